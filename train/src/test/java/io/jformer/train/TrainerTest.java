package io.jformer.train;

import io.jformer.bert.BertCheckpoint;
import io.jformer.bert.BertForSequenceClassification;
import io.jformer.bert.tokenizer.BertTokenizer;
import io.jformer.tensor.Tensor;
import io.jformer.train.data.Batcher;
import io.jformer.train.data.Example;
import io.jformer.train.metrics.ClassificationMetrics;
import io.jformer.train.optim.AdamW;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The training loop end to end on a tiny model: learning, determinism, checkpoints and exact resume. */
class TrainerTest {

    @TempDir
    Path tmp;

    private TrainingArguments args(Path out, int epochs, boolean amp) {
        return TrainingArguments.builder(out).learningRate(3e-3).batchSizes(8, 16).epochs(epochs)
                .adam(new AdamW.Hyper(0.9, 0.999, 1e-8, 0.01)).warmupSteps(2).intervals(5, 1).amp(amp).build();
    }

    /** Losses of every step (from the JSON-lines log) and the final weights of one run. */
    private record Run(List<Double> losses, Map<String, Tensor> weights, Trainer.Result result) {
    }

    /** A run on {@code examples} synthetic sentences (the last 48 held out) for {@code epochs}. */
    private Run run(Path modelDir, Path out, int examples, int epochs, boolean resume, long stopAtStep)
            throws IOException {
        return run(modelDir, out, examples, epochs, resume, stopAtStep, false);
    }

    private Run run(Path modelDir, Path out, int examples, int epochs, boolean resume, long stopAtStep, boolean amp)
            throws IOException {
        BertForSequenceClassification model = BertCheckpoint.loadClassifier(modelDir, null, 1, -1).model();
        BertTokenizer tok = TinySetup.tokenizer(modelDir);
        List<Example> all = TinySetup.examples(examples, 1);
        Batcher train = new Batcher(all.subList(0, examples - 48), tok, 8);
        Batcher eval = new Batcher(all.subList(examples - 48, examples), tok, 16);
        Trainer[] holder = new Trainer[1];
        TrainerListener stopper = new TrainerListener() {
            @Override
            public void onStep(long step, double epoch, double loss, double seqPerSecond) {
                if (step == stopAtStep) {
                    holder[0].requestStop();
                }
            }
        };
        holder[0] = new Trainer(model, args(out, epochs, amp), train, eval, modelDir, stopper);
        Trainer.Result r = holder[0].train(resume);
        return new Run(losses(out.resolve("log.jsonl")), model.stateDict(), r);
    }

    private static List<Double> losses(Path log) throws IOException {
        return trainField(log, "loss");
    }

    private static List<Double> trainField(Path log, String field) throws IOException {
        List<Double> out = new ArrayList<>();
        for (String line : Files.readAllLines(log)) {
            var n = new com.fasterxml.jackson.databind.ObjectMapper().readTree(line);
            if (n.get("type").asText().equals("train")) {
                out.add(n.get(field).asDouble());
            }
        }
        return out;
    }

    /**
     * Mixed precision on the CPU (autocast's products from half-rounded operands, the loss scaled by 2^16):
     * the same numerics a GPU's tensor cores give, at F32 speed. Each product's operands carry 2^-11 relative
     * rounding, so a step's loss moves by about 1e-3 from F32's and the runs drift apart slowly; over these 30
     * steps the losses stay within 0.01 of each other (observed 4e-4), while the run still learns. The
     * loss scale is logged with every step and checkpointed with its count of clean steps, so a resumed run
     * continues the count (and, as in F32, reaches the uninterrupted run's weights bit for bit).
     */
    @Test
    void mixedPrecisionTracksF32LogsAndCheckpointsTheLossScale() throws IOException {
        Path model = TinySetup.modelDir(tmp, 0.1);
        Run f32 = run(model, tmp.resolve("f32"), 120, 2, false, -1, false);
        Run amp = run(model, tmp.resolve("amp"), 120, 2, false, -1, true);
        assertEquals(f32.losses().size(), amp.losses().size());
        double worst = 0;
        for (int i = 0; i < f32.losses().size(); i++) {
            worst = Math.max(worst, Math.abs(f32.losses().get(i) - amp.losses().get(i)));
        }
        assertTrue(worst < 0.01, "mixed-precision losses left F32's by " + worst);
        assertTrue(worst > 0, "mixed precision changed nothing: were the products rounded?");
        assertTrue(amp.losses().get(amp.losses().size() - 1) < amp.losses().get(0), "the run learns: " + amp.losses());
        assertTrue(trainField(tmp.resolve("amp/log.jsonl"), "loss_scale").stream().allMatch(v -> v == 65536.0));
        assertTrue(trainField(tmp.resolve("f32/log.jsonl"), "loss_scale").stream().allMatch(v -> v == 1.0));

        Path out = tmp.resolve("amp-split");
        Run first = run(model, out, 120, 2, false, 7, true);
        var state = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(out.resolve("checkpoint/trainer_state.json").toFile());
        assertEquals(65536.0, state.get("loss_scale").asDouble());
        assertEquals(7, state.get("loss_scale_clean_steps").asInt());
        Run rest = run(model, out, 120, 2, true, -1, true);
        state = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(out.resolve("checkpoint/trainer_state.json").toFile());
        assertEquals(rest.result().steps(), state.get("loss_scale_clean_steps").asInt(), "the count was restored");
        amp.weights().forEach((k, v) -> assertArrayEquals(v.toFloatArray(), rest.weights().get(k).toFloatArray(), k));
        assertTrue(first.result().interrupted());
    }

    @Test
    void aShortRunLearnsTheTaskAndWritesItsOutputs() throws IOException {
        Path model = TinySetup.modelDir(tmp, 0.1);
        Path out = tmp.resolve("run");
        Run r = run(model, out, 288, 3, false, -1);
        assertEquals(90, r.result().steps()); // 240 examples / batch 8 × 3 epochs
        ClassificationMetrics m = r.result().lastEvaluation();
        // Chance is 0.5; the cue words decide every label, and this setup reaches ~0.96 on the 48 held out.
        assertTrue(m.accuracy() >= 0.85, "accuracy " + m.accuracy() + " on a task a bag of words solves");
        assertTrue(r.losses().get(r.losses().size() - 1) < r.losses().get(0), "training loss fell: " + r.losses());
        for (String f : List.of("log.jsonl", "training.png", "model/config.json", "model/model.safetensors",
                "model/vocab.txt", "best/model.safetensors", "checkpoint/optimizer.safetensors",
                "checkpoint/trainer_state.json")) {
            assertTrue(Files.exists(out.resolve(f)), f + " written");
        }
        assertTrue(Files.list(out).noneMatch(p -> p.getFileName().toString().endsWith(".tmp")), "no temp files left");
    }

    @Test
    void sameSeedSameLossesBitForBit() throws IOException {
        Path model = TinySetup.modelDir(tmp, 0.1);
        Run a = run(model, tmp.resolve("a"), 120, 2, false, -1);
        Run b = run(model, tmp.resolve("b"), 120, 2, false, -1);
        assertEquals(a.losses(), b.losses());
        a.weights().forEach((k, v) -> assertArrayEquals(v.toFloatArray(), b.weights().get(k).toFloatArray(), k));
    }

    @Test
    void anInterruptedRunResumesToExactlyTheWeightsOfAnUninterruptedOne() throws IOException {
        Path model = TinySetup.modelDir(tmp, 0.1); // dropout on: its generator position must be restored too
        Run whole = run(model, tmp.resolve("whole"), 120, 2, false, -1);
        Path out = tmp.resolve("split");
        Run first = run(model, out, 120, 2, false, 7); // stops mid-epoch, between evaluations
        assertTrue(first.result().interrupted());
        assertEquals(7, first.result().steps());
        Run rest = run(model, out, 120, 2, true, -1);
        assertEquals(whole.result().steps(), rest.result().steps());
        whole.weights().forEach((k, v) -> assertArrayEquals(v.toFloatArray(), rest.weights().get(k).toFloatArray(), k));
        assertEquals(whole.losses(), rest.losses(), "the resumed log continues the interrupted one");
    }
}
