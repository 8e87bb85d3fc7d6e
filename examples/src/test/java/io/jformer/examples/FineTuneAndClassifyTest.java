package io.jformer.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jformer.bert.Converter;
import io.jformer.train.Trainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The two examples end to end on real parts: all-MiniLM-L6-v2 (converted from its ONNX export) fine-tuned by
 * {@link FineTune} on a CSV of real IMDB sentences, then used by {@link Classify}.
 *
 * <p>Needs {@code scripts/fetch.sh minilm sentiment} (CI runs it); the CSV is written here from the npm
 * {@code sentiment@5.0.2} fixture rather than committed.
 */
class FineTuneAndClassifyTest {

    private static final Path CACHE = Path.of(System.getenv().getOrDefault("JFORMER_CACHE",
            System.getProperty("user.home") + "/.cache/jformer"));
    private static final Path MINILM_ONNX = CACHE.resolve("models/all-minilm-l6-v2/model.onnx");
    private static final Path SENTENCES = CACHE.resolve("data/sentiment/imdb.json");

    @TempDir
    Path tmp;

    @Test
    void fineTunesMiniLmOnACsvThenClassifiesHeldOutSentences() throws IOException {
        assumeTrue(Files.exists(MINILM_ONNX) && Files.exists(SENTENCES),
                "run scripts/fetch.sh minilm sentiment first (" + MINILM_ONNX + ", " + SENTENCES + ")");
        List<String[]> rows = sentences();
        Path csv = writeCsv(tmp.resolve("imdb-sentences.csv"), rows.subList(0, 200));
        List<String[]> unseen = rows.subList(200, 240);

        Path base = tmp.resolve("all-minilm-l6-v2");
        Converter.convert(MINILM_ONNX, base);

        Path run = tmp.resolve("run");
        Trainer.Result result = FineTune.fineTune(base, csv, run);
        assertFalse(result.interrupted());
        assertEquals(30, result.steps()); // 160 training rows / batch 16, three epochs
        assertTrue(Files.exists(run.resolve("model/model.safetensors")));
        assertTrue(Files.exists(run.resolve("model/tokenizer.json")), "tokenizer files travel with the model");

        List<String> texts = new ArrayList<>();
        for (String[] r : unseen) {
            texts.add(r[0]);
        }
        List<Classify.Prediction> predictions = Classify.classify(run.resolve("model"), texts);
        assertEquals(texts.size(), predictions.size());
        int correct = 0;
        for (int i = 0; i < unseen.size(); i++) {
            Classify.Prediction p = predictions.get(i);
            assertTrue(p.probability() >= 0.5f && p.probability() <= 1f, p.toString());
            correct += p.label().equals(unseen.get(i)[1]) ? 1 : 0;
        }
        double accuracy = correct / (double) unseen.size();
        System.out.printf("validation accuracy %.3f, accuracy on %d unseen sentences %.3f%n",
                result.lastEvaluation().accuracy(), unseen.size(), accuracy);
        // Chance is 0.5; measured on the 2-core machine: validation 0.85, unseen 0.90 (deterministic for a fixed
        // thread count, and thread counts change only rounding).
        assertTrue(result.lastEvaluation().accuracy() >= 0.7, "validation accuracy " + result.lastEvaluation().accuracy());
        assertTrue(accuracy >= 0.75, "accuracy on unseen sentences " + accuracy);
    }

    /** The fixture's labelled sentences (the empty last entry dropped), in a seeded order: {text, label name}. */
    private static List<String[]> sentences() throws IOException {
        List<String[]> out = new ArrayList<>();
        for (JsonNode n : new ObjectMapper().readTree(SENTENCES.toFile())) {
            if (!n.path("text").asText().isBlank() && n.hasNonNull("class")) {
                out.add(new String[]{n.get("text").asText().strip(), n.get("class").asInt() == 1 ? "positive" : "negative"});
            }
        }
        Collections.shuffle(out, new Random(7));
        return out;
    }

    private static Path writeCsv(Path file, List<String[]> rows) throws IOException {
        StringBuilder sb = new StringBuilder("text,label\n");
        for (String[] r : rows) {
            sb.append('"').append(r[0].replace("\"", "\"\"")).append("\",").append(r[1]).append('\n');
        }
        return Files.writeString(file, sb);
    }
}
