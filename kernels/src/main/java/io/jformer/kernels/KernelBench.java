package io.jformer.kernels;

import io.jformer.tensor.AdamWStep;
import io.jformer.tensor.BinaryOp;
import io.jformer.tensor.DType;
import io.jformer.tensor.Device;
import io.jformer.tensor.Distribution;
import io.jformer.tensor.Reduction;
import io.jformer.tensor.Shape;
import io.jformer.tensor.Tensor;
import io.jformer.tensor.UnaryOp;
import io.jformer.tensor.Workspace;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Throughput of the main kernels at BERT shapes, as a table against the H200's ceilings (990 TFLOP/s dense fp16
 * tensor core, ~4.3 TB/s HBM) and, when {@code python3 -c 'import torch'} works with CUDA, against PyTorch's own
 * operation on the same shapes (timed by the script in {@code torch_bench.py}).
 */
final class KernelBench {

    static final double PEAK_TFLOPS_F16 = 990;
    static final double PEAK_TFLOPS_F32 = 67; // H200 fp32 CUDA-core peak
    static final double PEAK_TBPS = 4.3;

    /** One benchmark: its work in FLOPs (compute-bound) or bytes moved (memory-bound). */
    private record Item(String name, String shape, double flops, double bytes, boolean fp16, Runnable body) {
    }

    private final CudaBackend gpu;
    private final Device dev;

    KernelBench(CudaBackend gpu) {
        this.gpu = gpu;
        this.dev = gpu.device();
    }

    private Tensor rand(DType t, int... shape) {
        Tensor x = Tensor.empty(Shape.of(shape), DType.F32, dev);
        gpu.fillRandom(x, Distribution.NORMAL, 0, 1, 7, 0);
        if (t == DType.F32) {
            return x;
        }
        Tensor h = Tensor.empty(Shape.of(shape), t, dev);
        gpu.copy(x, h);
        return h;
    }

    private List<Item> items() {
        List<Item> list = new ArrayList<>();
        int[][] gemms = {{2048, 768, 768}, {2048, 3072, 768}, {2048, 768, 3072}, {8192, 768, 768}, {8192, 3072, 768},
                {8192, 768, 3072}, {4096, 4096, 4096}};
        for (int[] s : gemms) {
            int m = s[0];
            int n = s[1];
            int k = s[2];
            Tensor x = rand(DType.F16, m, k);
            Tensor w = rand(DType.F16, n, k);
            list.add(new Item("linear_f16_" + m + "x" + n + "x" + k, m + "x" + n + "x" + k, 2.0 * m * n * k, 0, true,
                    () -> gpu.linear(x, w, null, null, DType.F16)));
        }
        Tensor q = rand(DType.F16, 192, 128, 64);
        list.add(new Item("bmm_f16_qk", "192x128x128x64", 2.0 * 192 * 128 * 128 * 64, 0, true,
                () -> gpu.matmul(q, q.transpose(-1, -2))));
        Tensor a32 = rand(DType.F32, 2048, 768);
        Tensor b32 = rand(DType.F32, 768, 768);
        list.add(new Item("matmul_f32_2048x768x768", "2048x768x768", 2.0 * 2048 * 768 * 768, 0, false,
                () -> gpu.matmul(a32, b32)));
        Tensor att = rand(DType.F32, 16, 12, 128, 128);
        Tensor mask = rand(DType.F32, 16, 1, 1, 128);
        long attN = 16L * 12 * 128 * 128;
        list.add(new Item("softmax_f32_attn", "16x12x128x128", 0, 8.0 * attN, false,
                () -> gpu.softmax(att, 3, 0.125, mask, false)));
        Tensor h = rand(DType.F32, 8192, 768);
        Tensor lw = rand(DType.F32, 768);
        list.add(new Item("layernorm_f32", "8192x768", 0, 8.0 * 8192 * 768, false,
                () -> gpu.layerNorm(h, lw, lw, 1e-12)));
        Tensor inter = rand(DType.F32, 8192, 3072);
        list.add(new Item("gelu_f32", "8192x3072", 0, 8.0 * 8192 * 3072, false, () -> gpu.unary(UnaryOp.GELU, inter)));
        list.add(new Item("add_f32", "8192x768", 0, 12.0 * 8192 * 768, false, () -> gpu.binary(BinaryOp.ADD, h, h)));
        int params = 110_000_000;
        Tensor p = rand(DType.F32, params);
        Tensor g = rand(DType.F32, params);
        Tensor m1 = rand(DType.F32, params);
        Tensor v1 = gpu.unary(UnaryOp.ABS, rand(DType.F32, params));
        AdamWStep step = new AdamWStep(2e-5, 0.9, 0.999, 1e-8, 0.01, 1);
        list.add(new Item("adamw_f32", "110M", 0, 28.0 * params, false, () -> gpu.adamwStep(p, g, m1, v1, step)));
        Tensor logits = rand(DType.F32, 2048, 30522);
        Tensor targets = Tensor.zeros(2048).to(DType.I64).to(dev);
        list.add(new Item("cross_entropy_f32", "2048x30522", 0, 4.0 * 2048 * 30522, false,
                () -> gpu.crossEntropy(logits, targets, -100, Reduction.MEAN)));
        Tensor table = rand(DType.F32, 30522, 768);
        Tensor ids = Tensor.zeros(16, 512).to(DType.I64).to(dev);
        list.add(new Item("embedding_f32", "8192 of 30522x768", 0, 8.0 * 8192 * 768, false,
                () -> gpu.embedding(table, ids)));
        return list;
    }

    void run(PrintStream out) {
        List<Item> items = items();
        Map<String, Double> torch = torchTimes(out);
        out.println();
        out.printf(Locale.ROOT, "%-28s %-18s %10s %14s %9s %10s %8s%n", "kernel", "shape", "ms", "throughput",
                "% peak", "torch ms", "vs torch");
        for (Item it : items) {
            // Each run's outputs go back to the allocator as in a training step's workspace; without that every
            // run would allocate afresh until the garbage collector returned the blocks, timing cuMemAlloc.
            Runnable once = () -> {
                try (Workspace ws = Workspace.open()) {
                    it.body().run();
                }
            };
            for (int i = 0; i < 3; i++) {
                once.run();
            }
            int reps = 20;
            float ms = gpu.timeMillis(() -> {
                for (int i = 0; i < reps; i++) {
                    once.run();
                }
            }) / reps;
            String thr;
            double pct;
            if (it.flops() > 0) {
                double tflops = it.flops() / (ms * 1e-3) / 1e12;
                thr = String.format(Locale.ROOT, "%.1f TFLOP/s", tflops);
                pct = 100 * tflops / (it.fp16() ? PEAK_TFLOPS_F16 : PEAK_TFLOPS_F32);
            } else {
                double tbps = it.bytes() / (ms * 1e-3) / 1e12;
                thr = String.format(Locale.ROOT, "%.2f TB/s", tbps);
                pct = 100 * tbps / PEAK_TBPS;
            }
            Double t = torch.get(it.name());
            out.printf(Locale.ROOT, "%-28s %-18s %10.4f %14s %8.1f%% %10s %8s%n", it.name(), it.shape(), ms, thr, pct,
                    t == null ? "-" : String.format(Locale.ROOT, "%.4f", t),
                    t == null ? "-" : String.format(Locale.ROOT, "%.2fx", t / ms));
        }
        out.println("(vs torch > 1 means jformer is faster; ceilings: " + PEAK_TFLOPS_F16 + " TFLOP/s fp16 dense, "
                + PEAK_TFLOPS_F32 + " TFLOP/s fp32, " + PEAK_TBPS + " TB/s HBM)");
        gpu.emptyCache();
    }

    /** Runs the bundled PyTorch script if torch with CUDA is importable; name -> milliseconds. */
    private static Map<String, Double> torchTimes(PrintStream out) {
        Map<String, Double> times = new HashMap<>();
        try {
            Path script = Files.createTempFile("jformer-torch-bench", ".py");
            try (var in = KernelBench.class.getResourceAsStream("/io/jformer/kernels/torch_bench.py")) {
                Files.write(script, in.readAllBytes());
            }
            Process p = new ProcessBuilder("python3", script.toString()).redirectErrorStream(true).start();
            String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(600, TimeUnit.SECONDS) || p.exitValue() != 0) {
                out.println("PyTorch comparison not available: " + text.strip().lines().reduce((a, b) -> b).orElse("no output"));
                return times;
            }
            for (String line : text.split("\\R")) {
                String[] f = line.trim().split("\\s+");
                if (f.length == 3 && f[0].equals("TORCH")) {
                    times.put(f[1], Double.parseDouble(f[2]));
                }
            }
        } catch (IOException | RuntimeException e) {
            out.println("PyTorch comparison not available: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return times;
    }
}
