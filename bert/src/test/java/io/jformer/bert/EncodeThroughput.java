package io.jformer.bert;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.jformer.autograd.GradMode;
import io.jformer.tensor.Backends;
import io.jformer.tensor.Tensor;
import io.jformer.tensor.Workspace;

import java.io.IOException;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

/**
 * Benchmark (not a test): forward throughput of jformer against onnxruntime (all optimisations) on the same
 * ONNX model, batch and thread count, in one run; prints the medians and the ratio (onnxruntime time / jformer
 * time, above 1 when jformer is faster) as one JSON line. scripts/bench-vs-torch.sh runs it.
 *
 * <pre>
 * mvn -q -pl bert test-compile && mvn -q -pl bert dependency:build-classpath -Dmdep.outputFile=/tmp/bert.cp
 * java --add-modules jdk.incubator.vector -cp bert/target/test-classes:bert/target/classes:$(cat /tmp/bert.cp) \
 *     io.jformer.bert.EncodeThroughput [model=all-minilm-l6-v2] [batch=16] [seq=128] [threads=2]
 * </pre>
 */
public final class EncodeThroughput {

    public static void main(String[] args) throws Exception {
        String name = args.length > 0 ? args[0] : "all-minilm-l6-v2";
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 16;
        int seq = args.length > 2 ? Integer.parseInt(args[2]) : 128;
        int threads = args.length > 3 ? Integer.parseInt(args[3]) : 2;
        Backends.setCpuThreads(threads);
        Path onnx = TestArtifacts.cache().resolve("models").resolve(name).resolve("model.onnx");
        Path dir = Files.createTempDirectory("jformer-encode");
        try {
            run(name, batch, seq, threads, onnx, dir);
        } finally {
            deleteTree(dir); // the converted model is as large as the ONNX file: not left behind in /tmp
        }
    }

    private static void run(String name, int batch, int seq, int threads, Path onnx, Path dir) throws Exception {
        Converter.convert(onnx, dir.resolve("m"));
        BertModel model = BertCheckpoint.loadEncoder(dir.resolve("m")).model();

        long[] ids = new long[batch * seq];
        Random r = new Random(0);
        for (int i = 0; i < ids.length; i++) {
            ids[i] = 1000 + r.nextInt(29000);
        }
        long[] ones = new long[ids.length];
        Arrays.fill(ones, 1);
        Tensor idsT = Tensor.ofLongs(ids, batch, seq);
        Tensor maskT = Tensor.ofLongs(ones, batch, seq);
        // As `jformer encode` runs a batch: no graph, activations in a workspace.
        double ours = median(() -> {
            try (GradMode.Scope ignored = GradMode.noGrad(); Workspace ws = Workspace.open()) {
                model.forward(idsT, null, maskT);
            }
        });

        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession.SessionOptions opts = new OrtSession.SessionOptions();
        opts.setIntraOpNumThreads(threads);
        opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        try (OrtSession session = env.createSession(onnx.toString(), opts)) {
            Map<String, OnnxTensor> in = new HashMap<>();
            for (String n : session.getInputNames()) {
                long[] data = n.contains("mask") ? ones : n.contains("type") ? new long[ids.length] : ids;
                in.put(n, OnnxTensor.createTensor(env, LongBuffer.wrap(data), new long[]{batch, seq}));
            }
            double theirs = median(() -> {
                try (OrtSession.Result res = session.run(in)) {
                    res.get(0);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            // One JSON line, read by scripts/bench-vs-torch.sh.
            System.out.printf(java.util.Locale.ROOT, "{\"model\":\"%s\",\"batch\":%d,\"seq\":%d,\"threads\":%d,"
                    + "\"jformer_fwd_s\":%.5f,\"onnxruntime_fwd_s\":%.5f,\"ratio\":%.3f}%n", name, batch, seq, threads,
                    ours, theirs, theirs / ours);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }

    private static double median(Runnable body) {
        // The Vector API kernels reach C2 only after several passes: warm up well past that.
        for (int i = 0; i < 40; i++) {
            body.run();
        }
        double[] t = new double[7];
        for (int i = 0; i < t.length; i++) {
            long s = System.nanoTime();
            body.run();
            t[i] = (System.nanoTime() - s) / 1e9;
        }
        Arrays.sort(t);
        return t[t.length / 2];
    }
}
