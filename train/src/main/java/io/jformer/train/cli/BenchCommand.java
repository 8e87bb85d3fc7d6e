package io.jformer.train.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jformer.autograd.GradMode;
import io.jformer.autograd.Variable;
import io.jformer.bert.BertCheckpoint;
import io.jformer.bert.BertConfig;
import io.jformer.bert.BertForSequenceClassification;
import io.jformer.nn.Losses;
import io.jformer.tensor.Backends;
import io.jformer.tensor.Tensor;
import io.jformer.tensor.Workspace;
import io.jformer.train.optim.AdamW;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.Callable;

/**
 * {@code jformer bench}: the median time of a full training step (forward, backward, AdamW) and of a forward
 * pass on random token ids, after warm-up; one JSON line.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Time a training step and a forward pass; print one JSON line.")
final class BenchCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "Model directory or known name.")
    String model;
    @Option(names = "--batch", defaultValue = "16") int batch;
    @Option(names = "--seq", defaultValue = "128") int seq;
    @Option(names = "--warmup", defaultValue = "5",
            description = "Untimed runs first (the Vector API kernels need several to reach C2).") int warmup;
    @Option(names = "--repeats", defaultValue = "5", description = "Timed runs; the median is reported.") int repeats;
    @Option(names = "--last-layer-all-tokens",
            description = "Run the last layer for every token as Hugging Face does, not for [CLS] alone.")
    boolean lastLayerAllTokens;
    @Mixin
    CommonOptions common;

    @Override
    public Integer call() throws Exception {
        io.jformer.tensor.Device device = common.apply();
        Path dir = ArtifactStore.model(model);
        BertForSequenceClassification net = BertCheckpoint.loadClassifier(dir, java.util.List.of("a", "b"), 0, -1).model();
        net.to(device);
        net.setLastLayerForAllTokens(lastLayerAllTokens);
        BertConfig c = net.config();
        Random rnd = new Random(0);
        long[] ids = new long[batch * seq];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = 1000 + rnd.nextInt(c.vocabSize() - 1000);
        }
        Tensor inputIds = Tensor.ofLongs(ids, batch, seq).to(device);
        Tensor labels = Tensor.ofLongs(new long[batch], batch).to(device);
        AdamW optimizer = new AdamW(net.namedParameters(), 2e-5, AdamW.Hyper.DEFAULTS);

        // As the Trainer runs a step: activations in a workspace, gradient buffers kept between steps.
        double train = median(() -> {
            net.train(true);
            try (Workspace ws = Workspace.open()) {
                Variable loss = Losses.crossEntropy(net.forward(inputIds, null, null), labels);
                loss.backward();
            }
            optimizer.step();
            net.zeroGrad(false);
        });
        double fwd = median(() -> {
            net.eval();
            try (GradMode.Scope ignored = GradMode.noGrad(); Workspace ws = Workspace.open()) {
                net.forward(inputIds, null, null);
            }
        });
        double fwdFlops = forwardFlops(c, batch, seq, lastLayerAllTokens);
        ObjectNode n = new ObjectMapper().createObjectNode();
        n.put("model", dir.getFileName().toString());
        n.put("batch", batch);
        n.put("seq", seq);
        n.put("threads", Backends.cpu().threads());
        n.put("last_layer_all_tokens", lastLayerAllTokens);
        n.put("train_step_s", train);
        n.put("train_seq_per_s", batch / train);
        n.put("train_gflops", 3 * fwdFlops / train / 1e9);
        n.put("fwd_s", fwd);
        n.put("fwd_seq_per_s", batch / fwd);
        n.put("fwd_gflops", fwdFlops / fwd / 1e9);
        n.put("peak_rss_mb", peakRssMb());
        System.out.println(n);
        return 0;
    }

    private double median(Runnable body) {
        for (int i = 0; i < warmup; i++) {
            body.run();
        }
        double[] t = new double[repeats];
        for (int i = 0; i < repeats; i++) {
            long s = System.nanoTime();
            body.run();
            t[i] = (System.nanoTime() - s) / 1e9;
        }
        Arrays.sort(t);
        return repeats % 2 == 1 ? t[repeats / 2] : (t[repeats / 2 - 1] + t[repeats / 2]) / 2;
    }

    /**
     * Matrix-multiply FLOPs of a forward pass: 2 per weight per token for the encoder's linear layers, plus
     * the attention products QKᵀ and PV (2·queries·seq·hidden each per layer and sequence). Unless the last
     * layer runs for every token, it runs for [CLS] alone with the key and value projections folded into the
     * query (BertSelfAttention): 2·hidden² each for folding them, and the two attention products over the
     * hidden size for every head (2·heads·seq·hidden each). A training step is counted as three forward passes
     * (backward is two).
     */
    static double forwardFlops(BertConfig c, int batch, int seq, boolean lastLayerAllTokens) {
        if (c.numHiddenLayers() == 0) {
            return 0;
        }
        double h = c.hiddenSize();
        double kv = 2 * h * h;
        double rest = 2 * h * h + 2 * h * c.intermediateSize();
        int full = lastLayerAllTokens ? c.numHiddenLayers() : c.numHiddenLayers() - 1;
        double fullLayers = full * (2.0 * (kv + rest) * seq + 4.0 * seq * seq * h);
        double lastLayer = lastLayerAllTokens ? 0 : 2.0 * rest + 2.0 * kv + 4.0 * c.numAttentionHeads() * seq * h;
        return batch * (fullLayers + lastLayer);
    }

    private static double peakRssMb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) / 1024.0;
                }
            }
        } catch (java.io.IOException | NumberFormatException e) {
            // not Linux: report nothing rather than a wrong number
        }
        return Double.NaN;
    }
}
