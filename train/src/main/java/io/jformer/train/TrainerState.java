package io.jformer.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Where a run stands, saved with each checkpoint so {@code --resume} continues exactly: optimizer steps taken,
 * the epoch and the next batch in it, the dropout generator's position, the best validation result, and under
 * mixed precision the loss scale with its count of clean steps (so a resumed run grows the scale on time).
 */
record TrainerState(long globalStep, int epoch, int batchInEpoch, long dropoutCounter, double bestAccuracy,
                           long bestStep, double lossScale, int lossScaleCleanSteps) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public static TrainerState start() {
        return new TrainerState(0, 0, 0, 0, Double.NEGATIVE_INFINITY, -1, 1.0, 0);
    }

    /** This state after optimizer step {@code step} of {@code epoch}, {@code batch} the next batch in it. */
    TrainerState next(long step, int epoch, int batch, long dropout, double scale, int cleanSteps) {
        return new TrainerState(step, epoch, batch, dropout, bestAccuracy, bestStep, scale, cleanSteps);
    }

    /** This state with a new best validation accuracy, reached at {@code step}. */
    TrainerState withBest(double accuracy, long step) {
        return new TrainerState(globalStep, epoch, batchInEpoch, dropoutCounter, accuracy, step, lossScale,
                lossScaleCleanSteps);
    }

    String toJson() {
        ObjectNode n = JSON.createObjectNode();
        n.put("global_step", globalStep);
        n.put("epoch", epoch);
        n.put("batch_in_epoch", batchInEpoch);
        n.put("dropout_counter", dropoutCounter);
        if (Double.isFinite(bestAccuracy)) {
            n.put("best_accuracy", bestAccuracy);
        }
        n.put("best_step", bestStep);
        n.put("loss_scale", lossScale);
        n.put("loss_scale_clean_steps", lossScaleCleanSteps);
        return n.toPrettyString();
    }

    static TrainerState fromJson(String text) throws java.io.IOException {
        JsonNode n = JSON.readTree(text);
        return new TrainerState(n.path("global_step").asLong(), n.path("epoch").asInt(), n.path("batch_in_epoch").asInt(),
                n.path("dropout_counter").asLong(),
                n.hasNonNull("best_accuracy") ? n.get("best_accuracy").asDouble() : Double.NEGATIVE_INFINITY,
                n.path("best_step").asLong(-1), n.path("loss_scale").asDouble(1.0),
                n.path("loss_scale_clean_steps").asInt(0));
    }
}
