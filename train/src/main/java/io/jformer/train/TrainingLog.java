package io.jformer.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The run's JSON-lines log: a {@code train} row every logging interval (step, epoch, loss, lr, grad_norm,
 * loss_scale, seq_per_s, tokens_per_s) and an {@code eval} row after each evaluation (loss, accuracy, f1,
 * precision, recall). Rows are flushed as written, so a crash loses nothing already logged; the rows are also
 * kept in memory for the plot.
 */
final class TrainingLog implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One training row. */
    record TrainRow(long step, double epoch, double loss, double lr, double gradNorm, double lossScale,
                    double seqPerSecond, double tokensPerSecond) {
    }

    /** One evaluation row. */
    record EvalRow(long step, double epoch, double loss, double accuracy, double f1, double precision, double recall) {
    }

    private final BufferedWriter out;
    private final List<TrainRow> trainRows = new ArrayList<>();
    private final List<EvalRow> evalRows = new ArrayList<>();

    TrainingLog(Path file, boolean append) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
    }

    void train(TrainRow r) {
        trainRows.add(r);
        ObjectNode n = JSON.createObjectNode();
        n.put("type", "train");
        n.put("step", r.step());
        n.put("epoch", r.epoch());
        n.put("loss", r.loss());
        n.put("lr", r.lr());
        n.put("grad_norm", r.gradNorm());
        n.put("loss_scale", r.lossScale());
        n.put("seq_per_s", r.seqPerSecond());
        n.put("tokens_per_s", r.tokensPerSecond());
        write(n);
    }

    void eval(EvalRow r) {
        evalRows.add(r);
        ObjectNode n = JSON.createObjectNode();
        n.put("type", "eval");
        n.put("step", r.step());
        n.put("epoch", r.epoch());
        n.put("loss", r.loss());
        n.put("accuracy", r.accuracy());
        n.put("f1", r.f1());
        n.put("precision", r.precision());
        n.put("recall", r.recall());
        write(n);
    }

    private void write(ObjectNode n) {
        try {
            out.write(n.toString());
            out.newLine();
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    List<TrainRow> trainRows() {
        return trainRows;
    }

    List<EvalRow> evalRows() {
        return evalRows;
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
