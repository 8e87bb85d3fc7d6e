package io.jformer.train.cli;

import io.jformer.autograd.Autocast;
import io.jformer.autograd.Variable;
import io.jformer.bert.BertForSequenceClassification;
import io.jformer.nn.Losses;
import io.jformer.tensor.DType;
import io.jformer.tensor.Device;
import io.jformer.tensor.Tensor;
import io.jformer.tensor.Workspace;
import io.jformer.train.optim.AdamW;
import io.jformer.train.optim.GradScaler;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;

/**
 * {@code jformer check-device}: the same model, weights and batch on the accelerator and on the CPU (the
 * reference path, always F32), compared: logits, loss and every parameter's gradient without dropout, again
 * with dropout (the device's random stream must give the CPU's masks), then the losses of a training run on
 * a stream of batches. With {@code --amp} the device runs mixed precision (autocast, loss scaling) and the
 * comparison shows how closely it tracks F32; the loss scale's changes are printed. Exits 1 when a difference
 * exceeds the tolerance, 2 when the device cannot be used.
 *
 * <p>Tolerance: a tensor's largest absolute difference over its largest absolute value (for a bias, over its
 * weight's gradient's when that is larger: the key bias's true gradient is zero, softmax ignoring a constant
 * shift, so its computed one is rounding noise on both sides). Default 1e-3 in F32: both sides sum in
 * different orders (blocked products, tree reductions), about 1e-6 relative per operation, 1e-5..1e-4 after
 * the layers of a forward and backward pass, while a wrong kernel (a dropped term, a mis-indexed tile) differs
 * by O(1). Default 3e-2 with {@code --amp}: F16 operands carry 2^-11 relative error each, which the layers
 * compound to about 1e-2. Training losses are compared over windows of ten steps: F32 within ten times the
 * tolerance relative (Adam divides by the gradient's running scale, magnifying differences in near-zero
 * gradients), mixed precision within 0.05 absolute.
 */
@Command(name = "check-device", mixinStandardHelpOptions = true,
        description = "Compare a model's forward, gradients and a short training run on a device against the CPU.")
final class CheckDeviceCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "Model directory or known name.") String model;
    @Option(names = "--random-weights", description = "Initialise from config.json alone (seed 0).") boolean randomWeights;
    @Option(names = "--batch", defaultValue = "4") int batch;
    @Option(names = "--seq", defaultValue = "64") int seq;
    @Option(names = "--steps", defaultValue = "20", description = "AdamW steps compared (default: ${DEFAULT-VALUE}).")
    int steps;
    @Option(names = "--lr", defaultValue = "1e-4") double lr;
    @Option(names = "--tolerance",
            description = "Largest difference over the tensor's largest value (default: 1e-3, 3e-2 with --amp).")
    Double tolerance;
    @Option(names = "--amp", description = "Run the device in fp16 mixed precision (autocast and loss scaling).")
    boolean amp;
    @Mixin
    CommonOptions common;

    private int failures;
    private double tol;

    @Override
    public Integer call() throws Exception {
        Device device = common.apply();
        if (device.type() == Device.Type.CPU) {
            System.out.println("check-device: nothing to compare, the device is the CPU");
            return 2;
        }
        tol = tolerance != null ? tolerance : amp ? 3e-2 : 1e-3;
        Path dir = ArtifactStore.model(model);
        BertForSequenceClassification reference = BenchCommand.twoClassModel(dir, randomWeights, 0);
        BertForSequenceClassification tested = BenchCommand.twoClassModel(dir, randomWeights, 0);
        tested.to(device);
        Batch cpuBatch = Batch.random(batch, seq, reference.config().vocabSize(), 0);
        Batch devBatch = cpuBatch.to(device);

        System.out.printf(Locale.ROOT, "check-device: %s on %s%s against the CPU in F32, batch %d x %d, tolerance %.0e%n",
                dir.getFileName(), device, amp ? " (fp16 mixed precision)" : "", batch, seq, tol);
        for (boolean dropout : new boolean[] {false, true}) {
            reference.train(dropout);
            tested.train(dropout);
            Pass want = Pass.run(reference, cpuBatch, null);
            // A fresh scaler at PyTorch's 2^16: the gradients are compared after unscaling, as the optimizer sees them.
            GradScaler scaler = amp ? new GradScaler() : null;
            Pass got = Pass.run(tested, devBatch, scaler);
            if (scaler != null) {
                scaler.unscale(tested.parameters());
                if (scaler.shouldSkip()) {
                    System.out.println("note: the first loss scale overflowed; gradients compared as unscaled anyway");
                }
            }
            String mode = dropout ? "with dropout" : "no dropout";
            compare(mode + ": logits", want.logits, got.logits);
            compare(mode + ": loss", new float[] {want.loss}, new float[] {got.loss});
            List<String> worst = new ArrayList<>();
            double worstRel = 0;
            int bad = 0;
            Map<String, Variable> wantParams = reference.namedParameters();
            Map<String, Variable> gotParams = tested.namedParameters();
            for (Map.Entry<String, Variable> e : wantParams.entrySet()) {
                Variable g = gotParams.get(e.getKey());
                double rel = relativeDifference(e.getValue().grad().toFloatArray(), g.grad().toFloatArray(),
                        weightGradientScale(e.getKey(), wantParams));
                if (!(rel <= tol)) {
                    bad++;
                    worst.add(e.getKey() + " " + fmt(rel));
                }
                worstRel = Math.max(worstRel, Double.isNaN(rel) ? Double.POSITIVE_INFINITY : rel);
            }
            System.out.printf(Locale.ROOT, "%-4s %s: %d parameter gradients, largest difference %s%s%n",
                    bad == 0 ? "PASS" : "FAIL", mode, wantParams.size(), fmt(worstRel),
                    bad == 0 ? "" : "; over tolerance: " + String.join(", ", worst.subList(0, Math.min(8, worst.size()))));
            failures += bad;
            reference.zeroGrad(true);
            tested.zeroGrad(true);
        }
        trainSideBySide(reference, tested, device);
        System.out.println(failures == 0 ? "check-device: all passed" : "check-device: " + failures + " failed");
        return failures == 0 ? 0 : 1;
    }

    /**
     * Both models trained on the same stream of batches (fresh ones each step, labelled by whether a marker
     * token occurs, so the loss falls), with dropout; losses compared over windows of ten steps.
     */
    private void trainSideBySide(BertForSequenceClassification reference, BertForSequenceClassification tested,
                                 Device device) {
        AdamW wantOpt = new AdamW(reference.namedParameters(), lr, AdamW.Hyper.DEFAULTS);
        AdamW gotOpt = new AdamW(tested.namedParameters(), lr, AdamW.Hyper.DEFAULTS);
        GradScaler scaler = amp ? new GradScaler() : null;
        reference.train(true);
        tested.train(true);
        double[] want = new double[steps];
        double[] got = new double[steps];
        int skipped = 0;
        for (int step = 1; step <= steps; step++) {
            Batch b = Batch.random(batch, seq, reference.config().vocabSize(), step);
            want[step - 1] = Pass.run(reference, b, null).loss;
            got[step - 1] = Pass.run(tested, b.to(device), scaler).loss;
            wantOpt.step();
            if (scaler == null) {
                gotOpt.step();
            } else {
                if (!scaler.step(tested.parameters(), gotOpt::step)) {
                    skipped++;
                }
                scaler.update(step);
            }
            reference.zeroGrad(false);
            tested.zeroGrad(false);
        }
        int window = Math.min(10, steps);
        double worst = 0;
        StringBuilder table = new StringBuilder();
        for (int from = 0; from + window <= steps; from += window) {
            double w = 0;
            double g = 0;
            for (int i = from; i < from + window; i++) {
                w += want[i] / window;
                g += got[i] / window;
            }
            double diff = amp ? Math.abs(w - g) : Math.abs(w - g) / Math.max(Math.abs(w), 1e-6);
            worst = Math.max(worst, Double.isNaN(diff) ? Double.POSITIVE_INFINITY : diff);
            table.append(String.format(Locale.ROOT, "%n     steps %3d-%3d  cpu %.5f  device %.5f", from + 1,
                    from + window, w, g));
        }
        double limit = amp ? 0.05 : 10 * tol;
        boolean ok = worst <= limit;
        if (!ok) {
            failures++;
        }
        System.out.printf(Locale.ROOT, "%-4s %d training steps, mean loss per %d steps (CPU F32 / device%s):%s%n"
                        + "     largest window difference %s (%s, limit %s)%s%n",
                ok ? "PASS" : "FAIL", steps, window, amp ? " mixed precision" : "", table, fmt(worst),
                amp ? "absolute" : "relative", fmt(limit), amp ? "; skipped steps " + skipped : "");
        if (scaler != null) {
            System.out.println("     loss scale: 65536 at the start"
                    + scaler.history().stream().map(c -> String.format(Locale.ROOT, ", %.0f after step %d (%s)",
                    c.scale(), c.step(), c.reason())).reduce("", String::concat));
        }
    }

    private void compare(String what, float[] want, float[] got) {
        double rel = relativeDifference(want, got, 0);
        boolean ok = rel <= tol;
        if (!ok) {
            failures++;
        }
        System.out.printf(Locale.ROOT, "%-4s %s: largest difference %s%n", ok ? "PASS" : "FAIL", what, fmt(rel));
    }

    /**
     * A bias's scale for {@link #relativeDifference}: the largest magnitude of its layer's weight gradient
     * (0 for other tensors).
     */
    private static double weightGradientScale(String name, Map<String, Variable> params) {
        if (!name.endsWith(".bias")) {
            return 0;
        }
        Variable w = params.get(name.substring(0, name.length() - ".bias".length()) + ".weight");
        if (w == null || w.grad() == null) {
            return 0;
        }
        double m = 0;
        for (float v : w.grad().toFloatArray()) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    /**
     * Largest |want - got| over the larger of largest |want| and {@code minScale}; NaN if either side has a NaN
     * where the other has not.
     */
    static double relativeDifference(float[] want, float[] got, double minScale) {
        if (want.length != got.length) {
            throw new IllegalStateException("lengths differ: " + want.length + " vs " + got.length);
        }
        double diff = 0;
        double scale = 0;
        for (int i = 0; i < want.length; i++) {
            if (Float.isNaN(want[i]) != Float.isNaN(got[i])) {
                return Double.NaN;
            }
            if (Float.isNaN(want[i])) {
                continue;
            }
            diff = Math.max(diff, Math.abs((double) want[i] - got[i]));
            scale = Math.max(scale, Math.abs(want[i]));
        }
        scale = Math.max(scale, minScale);
        return scale == 0 ? diff : diff / scale;
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.2e", v);
    }

    /**
     * Random token ids with padding at the end of every other sequence (so the attention mask matters); a
     * sequence is labelled 1 when a marker token was planted in it, which a model learns within a few hundred
     * steps.
     */
    private record Batch(Tensor ids, Tensor mask, Tensor labels) {
        private static final long MARKER = 2023;

        static Batch random(int batch, int seq, int vocab, long seed) {
            Random rnd = new Random(seed);
            long[] ids = new long[batch * seq];
            long[] mask = new long[batch * seq];
            long[] labels = new long[batch];
            for (int b = 0; b < batch; b++) {
                int length = b % 2 == 0 ? seq : Math.max(2, seq - seq / 3);
                for (int t = 0; t < length; t++) {
                    ids[b * seq + t] = t == 0 ? 101 : 1000 + rnd.nextInt(vocab - 1000);
                    mask[b * seq + t] = 1;
                }
                labels[b] = rnd.nextBoolean() ? 1 : 0;
                if (labels[b] == 1 && length > 1) {
                    ids[b * seq + 1 + rnd.nextInt(length - 1)] = MARKER;
                }
            }
            return new Batch(Tensor.ofLongs(ids, batch, seq), Tensor.ofLongs(mask, batch, seq),
                    Tensor.ofLongs(labels, batch));
        }

        Batch to(Device d) {
            return new Batch(ids.to(d), mask.to(d), labels.to(d));
        }
    }

    /**
     * One forward and backward pass as the Trainer runs it (under autocast, from the scaled loss, when a
     * scaler is given); the logits and the unscaled loss copied to the host.
     */
    private record Pass(float[] logits, float loss) {
        static Pass run(BertForSequenceClassification net, Batch b, GradScaler scaler) {
            try (Workspace ws = Workspace.open()) {
                Variable loss;
                Variable logits;
                try (Autocast.Scope s = Autocast.enable(scaler == null ? null : DType.F16)) {
                    logits = net.forward(b.ids(), null, b.mask());
                    loss = Losses.crossEntropy(logits, b.labels());
                }
                (scaler == null ? loss : scaler.scale(loss)).backward();
                return new Pass(logits.data().toFloatArray(), loss.data().item());
            }
        }
    }
}
