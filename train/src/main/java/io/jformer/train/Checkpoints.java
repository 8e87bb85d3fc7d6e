package io.jformer.train;

import io.jformer.bert.BertCheckpoint;
import io.jformer.bert.BertForSequenceClassification;
import io.jformer.tensor.Tensor;
import io.jformer.tensor.io.SafeTensors;
import io.jformer.tensor.io.SafeTensorsFile;
import io.jformer.train.optim.AdamW;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Training checkpoints: a Hugging Face model directory plus {@code optimizer.safetensors} and
 * {@code trainer_state.json}. A checkpoint is written into a temporary directory and swapped into place by
 * renames, so a crash at any moment leaves either the old or the new checkpoint whole.
 */
final class Checkpoints {

    static final String OPTIMIZER = "optimizer.safetensors";
    static final String STATE = "trainer_state.json";

    private Checkpoints() {
    }

    static void save(Path dir, BertForSequenceClassification model, AdamW optimizer, TrainerState state,
                     Path tokenizerSource) throws IOException {
        Path tmp = dir.resolveSibling(dir.getFileName() + ".tmp");
        Path old = dir.resolveSibling(dir.getFileName() + ".old");
        deleteTree(tmp);
        BertCheckpoint.save(model, tmp, tokenizerSource);
        SafeTensors.save(tmp.resolve(OPTIMIZER), optimizer.stateTensors(),
                Map.of("step", Long.toString(optimizer.stepCount())));
        BertCheckpoint.writeAtomically(tmp.resolve(STATE), state.toJson());
        deleteTree(old);
        if (Files.exists(dir)) {
            Files.move(dir, old, StandardCopyOption.ATOMIC_MOVE);
        }
        Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
        deleteTree(old);
    }

    /** The checkpoint to resume from: {@code dir}, or the previous one if a swap was interrupted. */
    static Path resolve(Path dir) {
        if (Files.exists(dir.resolve(STATE))) {
            return dir;
        }
        Path old = dir.resolveSibling(dir.getFileName() + ".old");
        return Files.exists(old.resolve(STATE)) ? old : null;
    }

    static TrainerState restore(Path dir, BertForSequenceClassification model, AdamW optimizer) throws IOException {
        try (SafeTensorsFile weights = SafeTensors.open(dir.resolve(BertCheckpoint.WEIGHTS))) {
            var report = model.loadStateDict(weights.loadAll());
            if (!report.isComplete()) {
                throw new IOException(dir + " does not match the model: " + report);
            }
        }
        TrainerState state = TrainerState.fromJson(Files.readString(dir.resolve(STATE)));
        try (SafeTensorsFile opt = SafeTensors.open(dir.resolve(OPTIMIZER))) {
            Map<String, Tensor> tensors = opt.loadAll();
            optimizer.restore(tensors, state.globalStep());
        }
        return state;
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }
}
