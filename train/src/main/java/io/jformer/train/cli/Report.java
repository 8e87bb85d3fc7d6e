package io.jformer.train.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jformer.bert.BertCheckpoint;
import io.jformer.bert.Pretrained;
import io.jformer.train.Trainer;
import io.jformer.train.metrics.ClassificationMetrics;

import java.io.IOException;
import java.nio.file.Path;

/** What the commands tell the user about loading, and the final results file. */
final class Report {

    private Report() {
    }

    static void loaded(Path dir, Pretrained<?> p) {
        if (!p.newlyInitialized().isEmpty()) {
            System.err.println("jformer: newly initialised (not in " + dir + "): " + p.newlyInitialized()
                    + " — train before use");
        }
        if (!p.unexpected().isEmpty()) {
            System.err.println("jformer: unused tensors in " + dir + ": " + p.unexpected().size()
                    + (p.unexpected().size() <= 6 ? " " + p.unexpected() : ""));
        }
    }

    static ObjectNode metrics(ClassificationMetrics m) {
        ObjectNode n = new ObjectMapper().createObjectNode();
        n.put("examples", m.count());
        n.put("loss", m.loss());
        n.put("accuracy", m.accuracy());
        n.put("f1", m.f1());
        n.put("precision", m.precision());
        n.put("recall", m.recall());
        var cm = n.putArray("confusion_matrix");
        for (long[] row : m.confusion()) {
            var r = cm.addArray();
            for (long v : row) {
                r.add(v);
            }
        }
        return n;
    }

    /** Prints the test results and writes {@code results.json} (atomically) into the output directory. */
    static void results(Path out, Trainer.Result r, ClassificationMetrics test, double seconds, long sequences)
            throws IOException {
        ObjectNode n = new ObjectMapper().createObjectNode();
        n.put("steps", r.steps());
        n.put("train_seconds", seconds);
        n.put("train_seq_per_s", sequences / seconds);
        if (r.lastEvaluation() != null) {
            n.set("validation", metrics(r.lastEvaluation()));
        }
        if (test != null) {
            n.set("test", metrics(test));
            System.out.printf("%ntest: accuracy %.4f, F1 %.4f, precision %.4f, recall %.4f, loss %.4f (%d examples)%n",
                    test.accuracy(), test.f1(), test.precision(), test.recall(), test.loss(), test.count());
        }
        BertCheckpoint.writeAtomically(out.resolve("results.json"), n.toPrettyString());
        System.out.printf("model: %s   results: %s   log: %s   plot: %s%n", out.resolve("model"),
                out.resolve("results.json"), out.resolve("log.jsonl"), out.resolve("training.png"));
    }
}
