package io.jformer.bert.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import io.jformer.bert.TestArtifacts;
import io.jformer.bert.tokenizer.BertTokenizer.Options;
import io.jformer.bert.tokenizer.BertTokenizer.Truncation;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Throughput of jformer's tokenizer against Hugging Face's (Rust, through DJL) on the same IMDB reviews: reviews per
 * second, median of 5 timed runs after warm-up, single thread (and DJL's batch call, which may use several threads).
 * Not a test. Arguments: {@code [reviews=5000] [model dir name=all-minilm-l6-v2] [maxLength=0 (no truncation)]}.
 */
public final class TokenizerThroughput {
    private TokenizerThroughput() {}

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 5000;
        String model = args.length > 1 ? args[1] : "all-minilm-l6-v2";
        int maxLength = args.length > 2 ? Integer.parseInt(args[2]) : 0;
        Path json = TestArtifacts.model(model).resolve("tokenizer.json");
        List<String> texts = TestArtifacts.imdbTexts(n, 2024);
        String[] array = texts.toArray(new String[0]);
        BertTokenizer mine = BertTokenizer.fromTokenizerJson(json).withOptions(maxLength > 0
                ? Options.defaults(maxLength) : Options.defaults(512).withTruncation(Truncation.NONE));
        Map<String, String> opts = maxLength > 0
                ? Map.of("truncation", "true", "maxLength", Integer.toString(maxLength), "padding", "false")
                : Map.of("truncation", "false", "padding", "false");
        try (HuggingFaceTokenizer hf = HuggingFaceTokenizer.newInstance(json, opts)) {
            System.out.printf("%d reviews, %s, %s, %d available processors%n", n, model,
                    maxLength > 0 ? "truncated to " + maxLength : "untruncated", Runtime.getRuntime().availableProcessors());
            double jf = rate("jformer encode (1 thread)", n, () -> {
                long s = 0;
                for (String t : texts) s += mine.encode(t).length();
                return s;
            });
            double hfs = rate("HF/DJL encode (1 thread)", n, () -> {
                long s = 0;
                for (String t : texts) s += hf.encode(t).getIds().length;
                return s;
            });
            double hfb = rate("HF/DJL batchEncode", n, () -> {
                long s = 0;
                for (var e : hf.batchEncode(array)) s += e.getIds().length;
                return s;
            });
            System.out.printf("ratio jformer / HF single-thread: %.2fx; jformer / HF batch: %.2fx%n", jf / hfs, jf / hfb);
        }
    }

    interface Run { long run() throws Exception; }

    private static double rate(String name, int n, Run r) throws Exception {
        long tokens = 0;
        for (int i = 0; i < 3; i++) tokens = r.run(); // warm-up
        double[] secs = new double[5];
        for (int i = 0; i < secs.length; i++) {
            long t0 = System.nanoTime();
            r.run();
            secs[i] = (System.nanoTime() - t0) / 1e9;
        }
        Arrays.sort(secs);
        double rate = n / secs[secs.length / 2];
        System.out.printf("%-28s %9.0f reviews/s  (%d tokens per pass, median %.3f s)%n", name, rate, tokens, secs[secs.length / 2]);
        return rate;
    }
}
