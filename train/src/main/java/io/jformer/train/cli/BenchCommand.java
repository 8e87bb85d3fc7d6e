package io.jformer.train.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jformer.autograd.Autocast;
import io.jformer.autograd.GradMode;
import io.jformer.autograd.Variable;
import io.jformer.bert.BertCheckpoint;
import io.jformer.bert.BertConfig;
import io.jformer.bert.BertForSequenceClassification;
import io.jformer.nn.Losses;
import io.jformer.tensor.Backends;
import io.jformer.tensor.DType;
import io.jformer.tensor.Generator;
import io.jformer.tensor.Tensor;
import io.jformer.tensor.Workspace;
import io.jformer.train.optim.AdamW;
import io.jformer.train.optim.GradScaler;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
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
    @Option(names = "--random-weights",
            description = "Initialise the model from its config.json alone (BERT's initialisation, seed 0) instead of"
                    + " loading weights: step times do not depend on the values, and the directory needs no weights.")
    boolean randomWeights;
    @Option(names = "--amp", description = "fp16 mixed precision: autocast products and a loss scaler, as train --amp.")
    boolean amp;
    @Option(names = "--last-layer-all-tokens",
            description = "Run the last layer for every token as Hugging Face does, not for [CLS] alone.")
    boolean lastLayerAllTokens;
    @Mixin
    CommonOptions common;

    @Override
    public Integer call() throws Exception {
        io.jformer.tensor.Device device = common.apply();
        Path dir = ArtifactStore.model(model);
        BertForSequenceClassification net = twoClassModel(dir, randomWeights, 0);
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

        io.jformer.tensor.Backend backend = Backends.forDevice(device);
        // As the Trainer runs a step: activations in a workspace, gradient buffers kept between steps.
        GradScaler scaler = amp ? new GradScaler() : null;
        DType half = amp ? DType.F16 : null;
        long[] step = {0};
        double train = median(() -> {
            net.train(true);
            try (Workspace ws = Workspace.open()) {
                Variable loss;
                try (Autocast.Scope s = Autocast.enable(half)) {
                    loss = Losses.crossEntropy(net.forward(inputIds, null, null), labels);
                }
                (scaler == null ? loss : scaler.scale(loss)).backward();
            }
            if (scaler != null) {
                scaler.step(net.parameters(), optimizer::step);
                scaler.update(++step[0]);
            } else {
                optimizer.step();
            }
            net.zeroGrad(false);
            backend.synchronize();
        });
        double fwd = median(() -> {
            net.eval();
            try (GradMode.Scope ignored = GradMode.noGrad(); Workspace ws = Workspace.open();
                 Autocast.Scope s = Autocast.enable(half)) {
                net.forward(inputIds, null, null);
            }
            backend.synchronize();
        });
        double fwdFlops = forwardFlops(c, batch, seq, lastLayerAllTokens);
        ObjectNode n = new ObjectMapper().createObjectNode();
        n.put("model", dir.getFileName().toString());
        n.put("batch", batch);
        n.put("seq", seq);
        n.put("device", device.toString());
        n.put("amp", amp);
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

    /**
     * A two-label classifier from {@code dir}: its weights (a new head from {@code seed}), or with
     * {@code randomWeights} every parameter initialised from {@code seed} and only {@code config.json} read.
     */
    static BertForSequenceClassification twoClassModel(Path dir, boolean randomWeights, long seed) throws IOException {
        List<String> labels = List.of("a", "b");
        if (randomWeights) {
            BertConfig config = BertConfig.read(dir.resolve("config.json")).withLabels(labels);
            return new BertForSequenceClassification(config, new Generator(seed), new Generator(seed + 1));
        }
        return BertCheckpoint.loadClassifier(dir, labels, seed, -1).model();
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
