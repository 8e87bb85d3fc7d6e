package io.jformer.bert.convert;

import static io.jformer.bert.convert.ProtoMessages.message;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import io.jformer.bert.TestArtifacts;
import io.jformer.tensor.Shape;
import io.jformer.tensor.Tensor;
import io.jformer.tensor.cpu.CpuStorage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link OnnxWeights} on the three real ONNX exports. Names and shapes are checked against a list written out
 * here; values are checked against onnxruntime itself: the model is re-emitted with the inputs and outputs of
 * every Linear layer, LayerNorm and the embedding sum added as graph outputs, run on a short input, and each
 * of those computations is redone in plain Java from the extracted tensors. A wrong name (layer, query/key/
 * value, dense) or a missing transpose changes those results by O(1), far above the float rounding (~1e-6).
 */
class OnnxWeightsTest {

    private static final int HIDDEN = 384;
    private static final int INTERMEDIATE = 1536;
    private static final long[] IDS = {101, 7592, 1010, 2088, 999, 2023, 2003, 1037, 3231, 102};
    private static final long[] TYPES = {0, 0, 0, 0, 0, 1, 1, 1, 1, 1};

    @ParameterizedTest
    @CsvSource({"all-minilm-l6-v2, 6, true", "bge-small-en-v15, 12, false", "e5-small-v2, 12, false"})
    void namesShapesAndGraphFactsAreThoseOfTheModel(String dir, int layers, boolean pooler) throws IOException {
        OnnxWeights.Contents c = OnnxWeights.load(TestArtifacts.model(dir).resolve("model.onnx"));
        Map<String, Shape> expected = ExpectedBert.shapes(30522, HIDDEN, INTERMEDIATE, layers, pooler);
        assertEquals(expected.keySet(), c.weights().keySet());
        for (Map.Entry<String, Shape> e : expected.entrySet()) {
            Tensor t = c.weights().get(e.getKey());
            assertEquals(e.getValue(), t.shape(), e.getKey());
            assertTrue(t.isContiguous(), e.getKey());
            assertEquals(io.jformer.tensor.DType.F32, t.dtype(), e.getKey());
        }
        assertEquals(new BertDims(30522, HIDDEN, layers, INTERMEDIATE, 512, 2, pooler), c.dims());
        assertEquals(12, c.numHeads().orElseThrow());
        assertEquals(1e-12, c.layerNormEps().orElseThrow());
        assertTrue(c.unused().stream().allMatch(n -> n.equals("embeddings.position_ids")), c.unused().toString());
    }

    @ParameterizedTest
    @CsvSource({"all-minilm-l6-v2", "bge-small-en-v15", "e5-small-v2"})
    void everyTensorReproducesOnnxRuntimesIntermediateValues(String dir) throws Exception {
        Path file = TestArtifacts.model(dir).resolve("model.onnx");
        Map<String, Tensor> w = OnnxWeights.read(file);
        byte[] model = Files.readAllBytes(file);
        Map<String, List<List<String>>> nodes = nodesByName(model); // name -> [inputs, outputs]

        // Which graph values to look at for each computation: (input, output) by node-name convention.
        Map<String, String[]> linear = new LinkedHashMap<>();
        Map<String, String[]> layerNorm = new LinkedHashMap<>();
        for (String name : w.keySet()) {
            if (!name.endsWith(".weight")) {
                continue;
            }
            String prefix = name.substring(0, name.length() - ".weight".length());
            String scope = "/" + prefix.replace('.', '/').replaceAll("layer/(\\d+)", "layer.$1");
            if (prefix.endsWith("LayerNorm")) {
                layerNorm.put(prefix, new String[] {input(nodes, scope + "/ReduceMean", 0), output(nodes, scope + "/Add_1")});
            } else if (prefix.equals("pooler.dense")) {
                linear.put(prefix, new String[] {input(nodes, scope + "/Gemm", 0), output(nodes, scope + "/Gemm")});
            } else if (!prefix.startsWith("embeddings.")) {
                linear.put(prefix, new String[] {input(nodes, scope + "/MatMul", 0), output(nodes, scope + "/Add")});
            }
        }
        Set<String> wanted = new LinkedHashSet<>();
        linear.values().forEach(v -> wanted.addAll(List.of(v)));
        layerNorm.values().forEach(v -> wanted.addAll(List.of(v)));
        assertEquals((w.size() - 3) / 2, linear.size() + layerNorm.size(), "one check per Linear and LayerNorm");

        Map<String, float[]> ort = runWithExtraOutputs(withOutputs(model, wanted), wanted);
        int t = IDS.length;
        // Embeddings: word[id] + position[i] + token_type[type] is what goes into the first LayerNorm.
        float[] sum = ort.get(layerNorm.get("embeddings.LayerNorm")[0]);
        float[] word = floats(w.get("embeddings.word_embeddings.weight"));
        float[] pos = floats(w.get("embeddings.position_embeddings.weight"));
        float[] type = floats(w.get("embeddings.token_type_embeddings.weight"));
        float[] mine = new float[t * HIDDEN];
        for (int i = 0; i < t; i++) {
            for (int h = 0; h < HIDDEN; h++) {
                mine[i * HIDDEN + h] = word[(int) IDS[i] * HIDDEN + h] + pos[i * HIDDEN + h] + type[(int) TYPES[i] * HIDDEN + h];
            }
        }
        assertClose("embedding sum", sum, mine);
        for (Map.Entry<String, String[]> e : layerNorm.entrySet()) {
            float[] x = ort.get(e.getValue()[0]);
            float[] y = ort.get(e.getValue()[1]);
            assertClose(e.getKey(), y, layerNorm(x, floats(w.get(e.getKey() + ".weight")), floats(w.get(e.getKey() + ".bias"))));
        }
        for (Map.Entry<String, String[]> e : linear.entrySet()) {
            float[] x = ort.get(e.getValue()[0]);
            float[] y = ort.get(e.getValue()[1]);
            Tensor weight = w.get(e.getKey() + ".weight");
            assertClose(e.getKey(), y, linear(x, floats(weight), floats(w.get(e.getKey() + ".bias")), weight.size(0), weight.size(1)));
        }
    }

    @Test
    void aTruncatedFileIsReportedWithItsNameAndOffset(@TempDir Path tmp) throws IOException {
        Path file = TestArtifacts.model("all-minilm-l6-v2").resolve("model.onnx");
        Path cut = tmp.resolve("cut.onnx");
        try (var in = Files.newInputStream(file)) {
            Files.write(cut, in.readNBytes(5_000_000)); // inside the word embeddings' raw_data
        }
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> OnnxWeights.read(cut));
        assertTrue(e.getMessage().startsWith(cut + ": at byte "), e.getMessage());
        assertTrue(e.offset() > 0 && e.offset() <= 5_000_000, e.getMessage());
    }

    @Test
    void aMissingTensorIsNamed(@TempDir Path tmp) throws IOException {
        Path file = tmp.resolve("tiny.onnx");
        Files.write(file, model(initializer("embeddings.word_embeddings.weight", new long[] {3, 2}, 24)));
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> OnnxWeights.read(file));
        assertTrue(e.getMessage().startsWith(file + ": missing tensor embeddings.position_embeddings.weight"), e.getMessage());
    }

    @Test
    void rawDataOfTheWrongSizeIsReportedWithItsOffset(@TempDir Path tmp) throws IOException {
        Path file = tmp.resolve("bad.onnx");
        Files.write(file, model(initializer("embeddings.word_embeddings.weight", new long[] {3, 2}, 20)));
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> OnnxWeights.read(file));
        assertTrue(e.getMessage().startsWith(file + ": at byte "), e.getMessage());
        assertTrue(e.getMessage().contains("embeddings.word_embeddings.weight") && e.getMessage().contains("20 bytes"),
                e.getMessage());
    }

    @Test
    void aFileThatIsNotOnnxIsRejected(@TempDir Path tmp) throws IOException {
        Path file = tmp.resolve("vocab.onnx");
        Files.writeString(file, "[PAD]\n[unused0]\n");
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> OnnxWeights.read(file));
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
    }

    // ---- reference computations ---------------------------------------------------------------------

    private static float[] floats(Tensor t) {
        assertTrue(t.isContiguous() && t.offset() == 0);
        return ((CpuStorage) t.storage()).floats();
    }

    /** {@code x [rows, in] · wᵀ + b} with {@code w [out, in]}, in double. */
    private static float[] linear(float[] x, float[] w, float[] b, int out, int in) {
        int rows = x.length / in;
        assertEquals(rows * in, x.length, "input width");
        float[] y = new float[rows * out];
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < out; o++) {
                double s = b[o];
                for (int i = 0; i < in; i++) {
                    s += (double) x[r * in + i] * w[o * in + i];
                }
                y[r * out + o] = (float) s;
            }
        }
        return y;
    }

    private static float[] layerNorm(float[] x, float[] gamma, float[] beta) {
        int n = gamma.length;
        float[] y = new float[x.length];
        for (int r = 0; r < x.length / n; r++) {
            double mean = 0;
            for (int i = 0; i < n; i++) {
                mean += x[r * n + i];
            }
            mean /= n;
            double var = 0;
            for (int i = 0; i < n; i++) {
                double d = x[r * n + i] - mean;
                var += d * d;
            }
            var /= n;
            double inv = 1 / Math.sqrt(var + 1e-12);
            for (int i = 0; i < n; i++) {
                y[r * n + i] = (float) ((x[r * n + i] - mean) * inv * gamma[i] + beta[i]);
            }
        }
        return y;
    }

    /** Max absolute difference within 1e-5 of the output's scale (float rounding gives under 1e-6 of it). */
    private static void assertClose(String what, float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length, what + ": length");
        double scale = 1;
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            scale = Math.max(scale, Math.abs(expected[i]));
            worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
        }
        assertTrue(worst <= 1e-5 * scale, what + ": max |onnxruntime - mine| = " + worst + " (scale " + scale + ")");
    }

    // ---- onnxruntime ---------------------------------------------------------------------------------

    private static Map<String, float[]> runWithExtraOutputs(byte[] model, Set<String> outputs) throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
            opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.NO_OPT);
            try (OrtSession session = env.createSession(model, opts)) {
                long[] shape = {1, IDS.length};
                long[] mask = new long[IDS.length];
                java.util.Arrays.fill(mask, 1);
                Map<String, OnnxTensor> in = new HashMap<>();
                try {
                    in.put("input_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(IDS), shape));
                    in.put("attention_mask", OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape));
                    in.put("token_type_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(TYPES), shape));
                    Map<String, float[]> out = new HashMap<>();
                    try (OrtSession.Result r = session.run(in, outputs)) {
                        for (String name : outputs) {
                            OnnxTensor v = (OnnxTensor) r.get(name).orElseThrow();
                            FloatBuffer fb = v.getFloatBuffer();
                            float[] a = new float[fb.remaining()];
                            fb.get(a);
                            out.put(name, a);
                        }
                    }
                    return out;
                } finally {
                    in.values().forEach(OnnxTensor::close);
                }
            }
        }
    }

    // ---- a minimal protobuf view of the graph, independent of OnnxWeights ---------------------------

    private static String input(Map<String, List<List<String>>> nodes, String node, int i) {
        List<List<String>> n = nodes.get(node);
        assertTrue(n != null, "no node " + node);
        return n.get(0).get(i);
    }

    private static String output(Map<String, List<List<String>>> nodes, String node) {
        List<List<String>> n = nodes.get(node);
        assertTrue(n != null, "no node " + node);
        return n.get(1).get(0);
    }

    /** Node name → [inputs, outputs], from ModelProto.graph (7) → node (1): input (1), output (2), name (3). */
    private static Map<String, List<List<String>>> nodesByName(byte[] model) throws IOException {
        Map<String, List<List<String>>> m = new HashMap<>();
        CodedInputStream in = CodedInputStream.newInstance(model);
        in.setSizeLimit(Integer.MAX_VALUE);
        for (int tag; (tag = in.readTag()) != 0; ) {
            if (WireFormat.getTagFieldNumber(tag) != 7) {
                in.skipField(tag);
                continue;
            }
            int graphLimit = in.pushLimit(in.readRawVarint32());
            while (!in.isAtEnd()) {
                int g = in.readTag();
                if (WireFormat.getTagFieldNumber(g) != 1) {
                    in.skipField(g);
                    continue;
                }
                CodedInputStream n = in.readBytes().newCodedInput();
                List<String> ins = new ArrayList<>();
                List<String> outs = new ArrayList<>();
                String name = "";
                for (int f; (f = n.readTag()) != 0; ) {
                    switch (WireFormat.getTagFieldNumber(f)) {
                        case 1 -> ins.add(n.readString());
                        case 2 -> outs.add(n.readString());
                        case 3 -> name = n.readString();
                        default -> n.skipField(f);
                    }
                }
                m.put(name, List.of(ins, outs));
            }
            in.popLimit(graphLimit);
        }
        return m;
    }

    /** The model with extra graph outputs (GraphProto.output = 12: ValueInfoProto name (1), type float). */
    private static byte[] withOutputs(byte[] model, Set<String> names) throws IOException {
        CodedInputStream in = CodedInputStream.newInstance(model);
        in.setSizeLimit(Integer.MAX_VALUE);
        ByteArrayOutputStream out = new ByteArrayOutputStream(model.length + 65536);
        CodedOutputStream o = CodedOutputStream.newInstance(out);
        for (int tag; (tag = in.readTag()) != 0; ) {
            int start = in.getTotalBytesRead() - CodedOutputStream.computeUInt32SizeNoTag(tag);
            if (WireFormat.getTagFieldNumber(tag) == 7) {
                int len = in.readRawVarint32();
                int payload = in.getTotalBytesRead();
                in.skipRawBytes(len);
                ByteArrayOutputStream extra = new ByteArrayOutputStream();
                CodedOutputStream e = CodedOutputStream.newInstance(extra);
                for (String name : names) {
                    e.writeByteArray(12, valueInfo(name));
                }
                e.flush();
                o.writeTag(7, WireFormat.WIRETYPE_LENGTH_DELIMITED);
                o.writeUInt32NoTag(len + extra.size());
                o.writeRawBytes(model, payload, len);
                o.writeRawBytes(extra.toByteArray());
            } else {
                in.skipField(tag);
                o.writeRawBytes(model, start, in.getTotalBytesRead() - start);
            }
        }
        o.flush();
        return out.toByteArray();
    }

    private static byte[] valueInfo(String name) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        CodedOutputStream o = CodedOutputStream.newInstance(b);
        o.writeString(1, name);
        o.writeByteArray(2, message(t -> t.writeByteArray(1, message(tt -> tt.writeInt32(1, 1))))); // tensor_type { elem_type: FLOAT }
        o.flush();
        return b.toByteArray();
    }

    // ---- tiny synthetic ONNX files -------------------------------------------------------------------

    private static byte[] initializer(String name, long[] dims, int rawBytes) throws IOException {
        return message(o -> {
            for (long d : dims) {
                o.writeInt64(1, d);
            }
            o.writeInt32(2, 1);
            o.writeString(8, name);
            o.writeByteArray(9, new byte[rawBytes]);
        });
    }

    private static byte[] model(byte[]... initializers) throws IOException {
        byte[] graph = message(o -> {
            o.writeString(2, "tiny");
            for (byte[] i : initializers) {
                o.writeByteArray(5, i);
            }
        });
        return message(o -> {
            o.writeInt64(1, 8);
            o.writeString(2, "test");
            o.writeByteArray(7, graph);
        });
    }
}
