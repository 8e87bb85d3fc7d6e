package io.jformer.bert.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jformer.bert.TestArtifacts;
import io.jformer.bert.tokenizer.BertTokenizer.Options;
import io.jformer.bert.tokenizer.BertTokenizer.Truncation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every Unicode code point (surrogates aside), between two letters, is treated as Hugging Face treats it, under
 * each normalizer setting: removed, a word boundary, split off as punctuation, stripped as an accent, lower-cased,
 * or kept inside the word.
 */
class CodePointParityTest {
    @TempDir
    Path tmp;

    @ParameterizedTest(name = "clean={0} chinese={1} strip={2} lower={3}")
    @CsvSource({"true,true,true,true", "true,true,false,false", "false,false,true,false", "false,false,false,true"})
    void everyCodePointBehavesLikeHuggingFace(boolean clean, boolean chinese, boolean strip, boolean lower) throws Exception {
        Path real = TestArtifacts.model("all-minilm-l6-v2").resolve("tokenizer.json");
        ObjectMapper om = new ObjectMapper();
        ObjectNode root = (ObjectNode) om.readTree(real.toFile());
        ObjectNode norm = (ObjectNode) root.get("normalizer");
        norm.put("clean_text", clean).put("handle_chinese_chars", chinese).put("strip_accents", strip).put("lowercase", lower);
        Path json = tmp.resolve("tokenizer.json");
        Files.write(json, om.writeValueAsBytes(root));
        BertTokenizer mine = BertTokenizer.fromTokenizerJson(json).withOptions(Options.defaults(512).withTruncation(Truncation.NONE));
        List<String> bad = new ArrayList<>();
        try (HuggingFaceTokenizer ref = Djl.load(json, Map.of("truncation", "false", "padding", "false"))) {
            // 64 code points a text ("a?b a?b …"), 256 texts a batch: few calls through JNI
            List<String> batch = new ArrayList<>();
            List<int[]> codePoints = new ArrayList<>();
            StringBuilder sb = new StringBuilder();
            int[] cps = new int[64];
            int inText = 0;
            for (int c = 0; c <= Character.MAX_CODE_POINT; c++) {
                if (c >= Character.MIN_SURROGATE && c <= Character.MAX_SURROGATE) continue;
                cps[inText] = c;
                sb.append('a').appendCodePoint(c).append("b ");
                if (++inText == 64 || c == Character.MAX_CODE_POINT) {
                    batch.add(sb.toString());
                    codePoints.add(Arrays.copyOf(cps, inText));
                    sb.setLength(0);
                    inText = 0;
                }
                if (batch.size() == 256 || (c == Character.MAX_CODE_POINT && !batch.isEmpty())) {
                    ai.djl.huggingface.tokenizers.Encoding[] refs = ref.batchEncode(batch);
                    for (int i = 0; i < batch.size(); i++) {
                        if (!Arrays.equals(Djl.ints(refs[i].getIds()), mine.encode(batch.get(i)).inputIds())) {
                            bad.addAll(explain(ref, mine, codePoints.get(i)));
                        }
                    }
                    batch.clear();
                    codePoints.clear();
                }
            }
        }
        assertEquals(List.of(), bad.subList(0, Math.min(bad.size(), 20)), bad.size() + " code points differ");
    }

    /** The code points of a failing text that differ on their own. */
    private static List<String> explain(HuggingFaceTokenizer ref, BertTokenizer mine, int[] codePoints) {
        List<String> r = new ArrayList<>();
        for (int c : codePoints) {
            String item = "a" + Character.toString(c) + "b";
            ai.djl.huggingface.tokenizers.Encoding e = ref.encode(item);
            if (!Arrays.equals(Djl.ints(e.getIds()), mine.encode(item).inputIds())) {
                r.add(String.format("U+%04X: HF %s, jformer %s", c, Arrays.toString(e.getTokens()),
                        Arrays.toString(mine.encode(item).tokens())));
            }
        }
        if (r.isEmpty()) r.add(String.format("a text from U+%04X differs but no code point alone does", codePoints[0]));
        return r;
    }
}
