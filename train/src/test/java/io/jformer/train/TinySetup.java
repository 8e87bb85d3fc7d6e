package io.jformer.train;

import io.jformer.bert.BertCheckpoint;
import io.jformer.bert.BertConfig;
import io.jformer.bert.BertForSequenceClassification;
import io.jformer.bert.tokenizer.BertTokenizer;
import io.jformer.tensor.Generator;
import io.jformer.train.data.Example;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A tiny BERT classifier directory (random weights, a 30-word vocabulary) and a synthetic sentiment task
 * whose label is decided by which words a sentence uses: small enough to train in seconds, learnable
 * enough that training visibly helps.
 */
final class TinySetup {

    static final List<String> GOOD = List.of("good", "great", "fine", "superb", "lovely", "nice");
    static final List<String> BAD = List.of("bad", "awful", "poor", "boring", "dull", "weak");
    static final List<String> FILLER = List.of("the", "movie", "film", "was", "plot", "and", "a", "it", "is",
            "very", "acting", "story", "really", "quite");

    private TinySetup() {
    }

    static BertConfig config(double dropout) {
        return new BertConfig(5 + GOOD.size() + BAD.size() + FILLER.size(), 32, 2, 4, 64, "gelu", dropout, dropout,
                64, 2, 0.2, 1e-12, 0, null, List.of("negative", "positive"));
    }

    /** A Hugging Face directory with config.json, model.safetensors and vocab.txt. */
    static Path modelDir(Path root, double dropout) throws IOException {
        Path dir = root.resolve("tiny-model");
        Files.createDirectories(dir);
        List<String> vocab = new ArrayList<>(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"));
        vocab.addAll(GOOD);
        vocab.addAll(BAD);
        vocab.addAll(FILLER);
        Files.write(dir.resolve("vocab.txt"), vocab);
        BertForSequenceClassification m = new BertForSequenceClassification(config(dropout), new Generator(7),
                new Generator(8));
        BertCheckpoint.save(m, dir, null);
        return dir;
    }

    static BertTokenizer tokenizer(Path dir) throws IOException {
        BertTokenizer t = BertTokenizer.fromVocabTxt(dir.resolve("vocab.txt"), true);
        return t.withOptions(t.options().withMaxLength(16));
    }

    /** {@code n} sentences; a sentence is positive when it has more good words than bad ones. */
    static List<Example> examples(int n, long seed) {
        Random r = new Random(seed);
        List<Example> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int label = r.nextInt(2);
            List<String> words = new ArrayList<>();
            int len = 4 + r.nextInt(8);
            for (int w = 0; w < len; w++) {
                words.add(FILLER.get(r.nextInt(FILLER.size())));
            }
            List<String> cue = label == 1 ? GOOD : BAD;
            for (int k = 0; k < 2; k++) {
                words.add(r.nextInt(words.size() + 1), cue.get(r.nextInt(cue.size())));
            }
            out.add(new Example(String.join(" ", words), label, "synthetic#" + i));
        }
        return out;
    }
}
