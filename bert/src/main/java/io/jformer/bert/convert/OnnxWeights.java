package io.jformer.bert.convert;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import io.jformer.tensor.HalfFloats;
import io.jformer.tensor.Shape;
import io.jformer.tensor.Tensor;
import io.jformer.tensor.cpu.CpuStorage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Set;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.regex.Pattern;

/**
 * Reads the weights of a BERT encoder exported to ONNX by PyTorch ({@code torch.onnx.export} of a Hugging Face
 * {@code BertModel}, as in the all-MiniLM-L6-v2, bge-small-en-v1.5 and e5-small-v2 files) and gives them
 * Hugging Face state-dict names and PyTorch layouts.
 *
 * <p>Embedding tables, biases and LayerNorm tensors keep their names in such an export. Each Linear weight
 * becomes an anonymous initializer ({@code onnx::MatMul_N}) stored {@code [in, out]} that feeds a {@code MatMul}
 * whose result goes into an {@code Add} with {@code <prefix>.bias}: it is named {@code <prefix>.weight} and
 * transposed to {@code [out, in]}. When the exporter has deduplicated identical tensors, the node names
 * ({@code /encoder/layer.3/attention/self/key/MatMul}) decide which layer each use belongs to, and every use
 * gets its own copy. The pooler's {@code Gemm} honours {@code transB}.
 *
 * <p>The file is memory-mapped and read with protobuf's wire-format reader; no generated classes. Weights
 * stored outside the file (ONNX external data) are rejected.
 */
public final class OnnxWeights {

    private OnnxWeights() {}

    /**
     * What an ONNX export holds: the weights by Hugging Face name, their sizes, and what the graph tells
     * beyond the weights where it can be read.
     *
     * @param numHeads      attention heads, from the score scaling constant {@code sqrt(head_size)}, if found
     * @param layerNormEps  the epsilon of the (decomposed) embeddings LayerNorm, if found
     * @param producer      producer name and version recorded in the file (e.g. {@code pytorch 1.13.0})
     * @param unused        initializers that are not BertModel parameters (e.g. {@code embeddings.position_ids})
     */
    public record Contents(Map<String, Tensor> weights, BertDims dims, OptionalInt numHeads,
                           OptionalDouble layerNormEps, String producer, List<String> unused) {}

    /** The weights of {@code onnxFile} as F32 CPU tensors with Hugging Face {@code BertModel} names. */
    public static Map<String, Tensor> read(Path onnxFile) throws IOException {
        return load(onnxFile).weights();
    }

    /** {@link #read} plus the sizes and what else the graph tells. */
    public static Contents load(Path onnxFile) throws IOException {
        String source = onnxFile.toString();
        ByteBuffer buf;
        try (FileChannel ch = FileChannel.open(onnxFile, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size > Integer.MAX_VALUE) {
                throw new CheckpointFormatException(source, 0, "file of " + size
                        + " bytes is larger than a protobuf can be (2 GiB); external data is not supported");
            }
            buf = ch.map(FileChannel.MapMode.READ_ONLY, 0, size);
        }
        Graph g = Graph.parse(buf, source);
        return g.toContents(buf, source);
    }

    // ---- the parts of ModelProto we use -------------------------------------------------------------

    /** A TensorProto: where its data is, not the data. */
    private static final class Init {
        String name = "";
        long[] dims = new long[0];
        int dataType;
        long start;          // offset of the TensorProto in the file, for messages
        int rawOffset = -1;  // raw_data position in the file
        int rawLength;
        float[] floatData;   // float_data, if given that way
        int[] int32Data;     // int32_data (FLOAT16 bit patterns in that field)
        boolean external;

        int numel(String source) throws CheckpointFormatException {
            long n = 1;
            for (long d : dims) {
                if (d < 0 || d > Integer.MAX_VALUE) {
                    throw new CheckpointFormatException(source, start, "initializer " + name + " has dimension " + d);
                }
                n *= d;
                if (n > Integer.MAX_VALUE) {
                    throw new CheckpointFormatException(source, start, "initializer " + name + " " + Arrays.toString(dims)
                            + " has too many elements");
                }
            }
            return (int) n;
        }
    }

    private record Node(String name, String opType, List<String> inputs, List<String> outputs, Map<String, Long> ints,
                        Map<String, Init> tensors) {}

    private static final int FLOAT = 1;
    private static final int INT64 = 7;
    private static final int FLOAT16 = 10;
    private static final int BFLOAT16 = 16;

    private static final Pattern HF_NAME = Pattern.compile(
            "^(embeddings|encoder\\.layer\\.\\d+|pooler)\\.[A-Za-z_.0-9]*(weight|bias)$");
    private static final Pattern LINEAR_PREFIX = Pattern.compile(
            "^(encoder\\.layer\\.\\d+\\.(attention\\.self\\.(query|key|value)|attention\\.output\\.dense"
                    + "|intermediate\\.dense|output\\.dense)|pooler\\.dense)$");

    private static final class Graph {
        final Map<String, Init> inits = new LinkedHashMap<>();
        final List<Node> nodes = new ArrayList<>();
        String producer = "";
        String producerVersion = "";

        static Graph parse(ByteBuffer buf, String source) throws CheckpointFormatException {
            Graph g = new Graph();
            CodedInputStream in = CodedInputStream.newInstance(buf.duplicate());
            in.setSizeLimit(Integer.MAX_VALUE);
            boolean sawGraph = false;
            try {
                int tag;
                while ((tag = in.readTag()) != 0) {
                    switch (WireFormat.getTagFieldNumber(tag)) {
                        case 2 -> g.producer = in.readString();
                        case 3 -> g.producerVersion = in.readString();
                        case 7 -> {
                            int limit = in.pushLimit(in.readRawVarint32());
                            g.parseGraph(in, source);
                            in.popLimit(limit);
                            sawGraph = true;
                        }
                        default -> in.skipField(tag);
                    }
                }
            } catch (InvalidProtocolBufferException e) {
                throw new CheckpointFormatException(source, in.getTotalBytesRead(),
                        "malformed ONNX protobuf: " + e.getMessage(), e);
            } catch (IOException e) {
                throw new CheckpointFormatException(source, in.getTotalBytesRead(), e.getMessage(), e);
            }
            if (!sawGraph) {
                throw new CheckpointFormatException(source, 0, "no graph (ModelProto field 7): not an ONNX model");
            }
            return g;
        }

        private void parseGraph(CodedInputStream in, String source) throws IOException {
            while (!in.isAtEnd()) {
                int tag = in.readTag();
                switch (WireFormat.getTagFieldNumber(tag)) {
                    case 1 -> {
                        int limit = in.pushLimit(in.readRawVarint32());
                        nodes.add(parseNode(in));
                        in.popLimit(limit);
                    }
                    case 5 -> {
                        long start = in.getTotalBytesRead();
                        int limit = in.pushLimit(in.readRawVarint32());
                        Init t = parseTensor(in, start);
                        in.popLimit(limit);
                        inits.put(t.name, t);
                    }
                    default -> in.skipField(tag);
                }
            }
        }

        private static Node parseNode(CodedInputStream in) throws IOException {
            String name = "";
            String op = "";
            List<String> inputs = new ArrayList<>();
            List<String> outputs = new ArrayList<>();
            Map<String, Long> ints = new HashMap<>();
            Map<String, Init> tensors = new HashMap<>();
            while (!in.isAtEnd()) {
                int tag = in.readTag();
                switch (WireFormat.getTagFieldNumber(tag)) {
                    case 1 -> inputs.add(in.readString());
                    case 2 -> outputs.add(in.readString());
                    case 3 -> name = in.readString();
                    case 4 -> op = in.readString();
                    case 5 -> { // AttributeProto: name (1), i (3), t (5)
                        int limit = in.pushLimit(in.readRawVarint32());
                        String attr = "";
                        Long i = null;
                        Init t = null;
                        while (!in.isAtEnd()) {
                            int at = in.readTag();
                            switch (WireFormat.getTagFieldNumber(at)) {
                                case 1 -> attr = in.readString();
                                case 3 -> i = in.readInt64();
                                case 5 -> {
                                    long start = in.getTotalBytesRead();
                                    int l2 = in.pushLimit(in.readRawVarint32());
                                    t = parseTensor(in, start);
                                    in.popLimit(l2);
                                }
                                default -> in.skipField(at);
                            }
                        }
                        in.popLimit(limit);
                        if (i != null) {
                            ints.put(attr, i);
                        }
                        if (t != null) {
                            tensors.put(attr, t);
                        }
                    }
                    default -> in.skipField(tag);
                }
            }
            return new Node(name, op, inputs, outputs, ints, tensors);
        }

        /** TensorProto: dims (1), data_type (2), float_data (4), int32_data (5), name (8), raw_data (9), data_location (14). */
        private static Init parseTensor(CodedInputStream in, long start) throws IOException {
            Init t = new Init();
            t.start = start;
            List<Long> dims = new ArrayList<>();
            FloatList floats = null;
            IntList int32 = null;
            while (!in.isAtEnd()) {
                int tag = in.readTag();
                int wire = WireFormat.getTagWireType(tag);
                switch (WireFormat.getTagFieldNumber(tag)) {
                    case 1 -> {
                        if (wire == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                            int limit = in.pushLimit(in.readRawVarint32());
                            while (!in.isAtEnd()) {
                                dims.add(in.readInt64());
                            }
                            in.popLimit(limit);
                        } else {
                            dims.add(in.readInt64());
                        }
                    }
                    case 2 -> t.dataType = in.readInt32();
                    case 4 -> {
                        if (floats == null) {
                            floats = new FloatList();
                        }
                        if (wire == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                            int limit = in.pushLimit(in.readRawVarint32());
                            while (!in.isAtEnd()) {
                                floats.add(in.readFloat());
                            }
                            in.popLimit(limit);
                        } else {
                            floats.add(in.readFloat());
                        }
                    }
                    case 5 -> {
                        if (int32 == null) {
                            int32 = new IntList();
                        }
                        if (wire == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                            int limit = in.pushLimit(in.readRawVarint32());
                            while (!in.isAtEnd()) {
                                int32.add(in.readInt32());
                            }
                            in.popLimit(limit);
                        } else {
                            int32.add(in.readInt32());
                        }
                    }
                    case 8 -> t.name = in.readString();
                    case 9 -> {
                        t.rawLength = in.readRawVarint32();
                        t.rawOffset = in.getTotalBytesRead();
                        in.skipRawBytes(t.rawLength);
                    }
                    case 14 -> t.external = in.readInt32() == 1;
                    default -> in.skipField(tag);
                }
            }
            t.dims = dims.stream().mapToLong(Long::longValue).toArray();
            t.floatData = floats == null ? null : floats.toArray();
            t.int32Data = int32 == null ? null : int32.toArray();
            return t;
        }

        // ---- naming ---------------------------------------------------------------------------------

        Contents toContents(ByteBuffer buf, String source) throws IOException {
            Map<String, Node> producerOf = new HashMap<>();
            Map<String, List<Node>> consumers = new HashMap<>();
            for (Node n : nodes) {
                for (String o : n.outputs()) {
                    producerOf.put(o, n);
                }
                for (String i : n.inputs()) {
                    consumers.computeIfAbsent(i, k -> new ArrayList<>()).add(n);
                }
            }
            Map<String, Tensor> out = new LinkedHashMap<>();
            Map<String, String> origin = new HashMap<>(); // HF name -> initializer it came from
            Set<String> used = new HashSet<>();
            rawBuffer = buf.duplicate().order(ByteOrder.LITTLE_ENDIAN);

            // 1. Linear layers: MatMul(x, W[in,out]) -> Add(bias), and the pooler's Gemm.
            for (Node n : nodes) {
                if (n.opType().equals("MatMul") && n.inputs().size() == 2 && inits.containsKey(n.inputs().get(1))) {
                    Init w = inits.get(n.inputs().get(1));
                    Node add = null;
                    Init bias = null;
                    for (Node c : consumers.getOrDefault(n.outputs().get(0), List.of())) {
                        if (c.opType().equals("Add")) {
                            for (String i : c.inputs()) {
                                if (inits.containsKey(i)) {
                                    add = c;
                                    bias = inits.get(i);
                                }
                            }
                        }
                    }
                    if (bias == null) {
                        throw new CheckpointFormatException(source, w.start, "cannot name MatMul weight " + w.name
                                + " (node " + n.name() + "): its result goes into no Add with a bias initializer");
                    }
                    String prefix = linearPrefix(n, add, bias, source);
                    put(out, origin, prefix + ".weight", w, decodeTransposed(w, buf, source), source);
                    put(out, origin, prefix + ".bias", bias, decode(bias, buf, source), source);
                    used.add(w.name);
                    used.add(bias.name);
                } else if (n.opType().equals("Gemm") && n.inputs().size() == 3 && inits.containsKey(n.inputs().get(1))) {
                    Init w = inits.get(n.inputs().get(1));
                    Init bias = inits.get(n.inputs().get(2));
                    if (bias == null) {
                        throw new CheckpointFormatException(source, w.start, "Gemm " + n.name() + " has no bias initializer");
                    }
                    if (n.ints().getOrDefault("transA", 0L) != 0) {
                        throw new CheckpointFormatException(source, w.start, "Gemm " + n.name() + " with transA=1 is not a Linear layer");
                    }
                    String prefix = linearPrefix(n, null, bias, source);
                    boolean transB = n.ints().getOrDefault("transB", 0L) != 0;
                    Tensor weight = transB ? decode(w, buf, source) : decodeTransposed(w, buf, source);
                    put(out, origin, prefix + ".weight", w, weight, source);
                    put(out, origin, prefix + ".bias", bias, decode(bias, buf, source), source);
                    used.add(w.name);
                    used.add(bias.name);
                }
            }
            // 2. Named initializers (embeddings, LayerNorm); an aliased (deduplicated) one goes by its node's scope.
            for (Node n : nodes) {
                for (String i : n.inputs()) {
                    Init t = inits.get(i);
                    if (t == null || used.contains(i) && !HF_NAME.matcher(i).matches()) {
                        continue;
                    }
                    String name = scopedName(n, t);
                    if (name != null && !out.containsKey(name)) {
                        put(out, origin, name, t, decode(t, buf, source), source);
                        used.add(i);
                    }
                }
            }
            // 3. Anything else with a Hugging Face name that the graph does not use as expected.
            List<String> unused = new ArrayList<>();
            for (Init t : inits.values()) {
                if (used.contains(t.name)) {
                    continue;
                }
                if (HF_NAME.matcher(t.name).matches() && isFloat(t.dataType) && !out.containsKey(t.name)) {
                    put(out, origin, t.name, t, decode(t, buf, source), source);
                } else if (!out.containsKey(t.name)) {
                    unused.add(t.name);
                }
            }
            BertDims dims = BertDims.infer(out, source);
            Map<String, Tensor> ordered = new LinkedHashMap<>();
            for (String name : dims.expectedShapes().keySet()) {
                ordered.put(name, out.get(name));
            }
            Map<String, Float> scalars = scalarConstants();
            return new Contents(Collections.unmodifiableMap(ordered), dims,
                    numHeads(dims.hiddenSize(), scalars), layerNormEps(scalars),
                    (producer + " " + producerVersion).trim(), List.copyOf(unused));
        }

        /** The Hugging Face prefix of a Linear layer: from its node's scope when that names one, else from its bias. */
        private static String linearPrefix(Node n, Node add, Init bias, String source) throws CheckpointFormatException {
            String scope = scope(n.name());
            if (scope != null && LINEAR_PREFIX.matcher(scope).matches()) {
                return scope;
            }
            if (add != null) {
                scope = scope(add.name());
                if (scope != null && LINEAR_PREFIX.matcher(scope).matches()) {
                    return scope;
                }
            }
            if (bias.name.endsWith(".bias") && LINEAR_PREFIX.matcher(bias.name.substring(0, bias.name.length() - 5)).matches()) {
                return bias.name.substring(0, bias.name.length() - 5);
            }
            throw new CheckpointFormatException(source, bias.start, "cannot name the Linear layer of node " + n.name()
                    + ": neither its scope nor its bias " + bias.name + " is a BertModel Linear layer");
        }

        /**
         * The name of an initializer used by node {@code n}: its own name when that is a Hugging Face name that
         * agrees with the node's scope, the scope's name when the exporter reused an identical tensor of another
         * layer, or null when it is not a parameter (position ids, constants).
         */
        private static String scopedName(Node n, Init t) {
            String scope = scope(n.name());
            String suffix = null;
            if (scope != null) {
                if (n.opType().equals("Gather") && n.inputs().get(0).equals(t.name) && scope.startsWith("embeddings.")
                        && scope.endsWith("_embeddings")) {
                    suffix = "weight";
                } else if (scope.endsWith("LayerNorm") && n.opType().equals("Mul")) {
                    suffix = "weight";
                } else if (scope.endsWith("LayerNorm") && n.opType().equals("Add") && n.name().matches(".*/Add_\\d+$")) {
                    suffix = "bias";
                }
            }
            if (suffix != null && isFloat(t.dataType)) {
                return scope + "." + suffix;
            }
            return HF_NAME.matcher(t.name).matches() && isFloat(t.dataType) ? t.name : null;
        }

        /** {@code /encoder/layer.0/attention/self/query/MatMul} → {@code encoder.layer.0.attention.self.query}. */
        private static String scope(String nodeName) {
            if (!nodeName.startsWith("/") || nodeName.lastIndexOf('/') <= 0) {
                return null;
            }
            return nodeName.substring(1, nodeName.lastIndexOf('/')).replace('/', '.');
        }

        private static void put(Map<String, Tensor> out, Map<String, String> origin, String name, Init from, Tensor t,
                                String source) throws CheckpointFormatException {
            String before = origin.putIfAbsent(name, from.name);
            if (before != null && !before.equals(from.name)) {
                throw new CheckpointFormatException(source, from.start, "two initializers claim " + name + ": " + before
                        + " and " + from.name);
            }
            out.putIfAbsent(name, t);
        }

        // ---- what the graph says beyond the weights ---------------------------------------------------

        /** Output name → value of every single-element float Constant node. */
        private Map<String, Float> scalarConstants() {
            Map<String, Float> m = new HashMap<>();
            for (Node n : nodes) {
                Init v = n.tensors().get("value");
                if (n.opType().equals("Constant") && v != null && v.dataType == FLOAT && !n.outputs().isEmpty()) {
                    if (v.floatData != null && v.floatData.length == 1) {
                        m.put(n.outputs().get(0), v.floatData[0]);
                    } else if (v.rawLength == 4 && rawBuffer != null) {
                        m.put(n.outputs().get(0), rawBuffer.getFloat(v.rawOffset));
                    }
                }
            }
            for (Init t : inits.values()) {
                if (t.dataType == FLOAT && t.rawLength == 4 && rawBuffer != null) {
                    m.put(t.name, rawBuffer.getFloat(t.rawOffset));
                } else if (t.dataType == FLOAT && t.floatData != null && t.floatData.length == 1) {
                    m.put(t.name, t.floatData[0]);
                }
            }
            return m;
        }

        ByteBuffer rawBuffer;

        /** Heads from the attention-score scaling: {@code scores / sqrt(d)} or {@code scores * (1/sqrt(d))}. */
        private OptionalInt numHeads(int hidden, Map<String, Float> scalars) {
            for (Node n : nodes) {
                boolean div = n.opType().equals("Div");
                if (!(div || n.opType().equals("Mul")) || !n.name().matches(".*/attention/self/(Div|Mul)(_\\d+)?$")
                        || n.inputs().size() != 2) {
                    continue;
                }
                Float c = scalars.get(n.inputs().get(1));
                if (c == null || c <= 0) {
                    continue;
                }
                double d = div ? (double) c * c : 1.0 / ((double) c * c);
                long headSize = Math.round(d);
                if (headSize > 0 && Math.abs(d - headSize) < 1e-3 * headSize && hidden % headSize == 0) {
                    return OptionalInt.of((int) (hidden / headSize));
                }
            }
            return OptionalInt.empty();
        }

        /** Epsilon from the embeddings LayerNorm's {@code variance + eps}. */
        private OptionalDouble layerNormEps(Map<String, Float> scalars) {
            for (Node n : nodes) {
                if (n.opType().equals("Add") && n.name().matches("/embeddings/LayerNorm/Add") && n.inputs().size() == 2) {
                    Float c = scalars.get(n.inputs().get(1));
                    if (c != null) {
                        return OptionalDouble.of(Double.parseDouble(Float.toString(c))); // 1e-12f -> 1e-12
                    }
                }
            }
            return OptionalDouble.empty();
        }
    }

    // ---- decoding -------------------------------------------------------------------------------------

    private static boolean isFloat(int dataType) {
        return dataType == FLOAT || dataType == FLOAT16 || dataType == BFLOAT16;
    }

    private static float[] floats(Init t, ByteBuffer buf, String source) throws CheckpointFormatException {
        if (t.external) {
            throw new CheckpointFormatException(source, t.start, "initializer " + t.name
                    + " is stored in an external data file, which is not supported");
        }
        int n = t.numel(source);
        float[] v = new float[n];
        switch (t.dataType) {
            case FLOAT -> {
                if (t.rawOffset >= 0) {
                    checkRaw(t, n, 4, source);
                    buf.slice(t.rawOffset, t.rawLength).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
                } else if (t.floatData != null && t.floatData.length == n) {
                    System.arraycopy(t.floatData, 0, v, 0, n);
                } else {
                    throw new CheckpointFormatException(source, t.start, "initializer " + t.name + " " + Arrays.toString(t.dims)
                            + " has " + (t.floatData == null ? 0 : t.floatData.length) + " float_data values, expected " + n);
                }
            }
            case FLOAT16, BFLOAT16 -> {
                short[] bits = new short[n];
                if (t.rawOffset >= 0) {
                    checkRaw(t, n, 2, source);
                    buf.slice(t.rawOffset, t.rawLength).order(ByteOrder.LITTLE_ENDIAN).asShortBuffer().get(bits);
                } else if (t.int32Data != null && t.int32Data.length == n) {
                    for (int i = 0; i < n; i++) {
                        bits[i] = (short) t.int32Data[i];
                    }
                } else {
                    throw new CheckpointFormatException(source, t.start, "initializer " + t.name + " " + Arrays.toString(t.dims)
                            + " has no raw_data and " + (t.int32Data == null ? 0 : t.int32Data.length)
                            + " int32_data values, expected " + n);
                }
                for (int i = 0; i < n; i++) {
                    v[i] = t.dataType == FLOAT16 ? HalfFloats.halfToFloat(bits[i]) : HalfFloats.bfloat16ToFloat(bits[i]);
                }
            }
            default -> throw new CheckpointFormatException(source, t.start, "initializer " + t.name
                    + " has ONNX data type " + t.dataType + "; only FLOAT (1), FLOAT16 (10) and BFLOAT16 (16) are weights");
        }
        return v;
    }

    private static void checkRaw(Init t, int n, int width, String source) throws CheckpointFormatException {
        if ((long) n * width != t.rawLength) {
            throw new CheckpointFormatException(source, t.rawOffset, "initializer " + t.name + " " + Arrays.toString(t.dims)
                    + " has " + t.rawLength + " bytes of raw_data, expected " + n + " × " + width + " = " + (long) n * width);
        }
    }

    private static Tensor decode(Init t, ByteBuffer buf, String source) throws CheckpointFormatException {
        float[] v = floats(t, buf, source);
        int[] dims = new int[t.dims.length];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = (int) t.dims[i];
        }
        return new Tensor(CpuStorage.of(v), Shape.of(dims));
    }

    /** A 2-D {@code [in, out]} initializer as a contiguous {@code [out, in]} tensor. */
    private static Tensor decodeTransposed(Init t, ByteBuffer buf, String source) throws CheckpointFormatException {
        if (t.dims.length != 2) {
            throw new CheckpointFormatException(source, t.start, "Linear weight " + t.name + " has shape "
                    + Arrays.toString(t.dims) + ", expected 2 dimensions");
        }
        float[] v = floats(t, buf, source);
        // Stored [in, out]; the engine's strided copy of the transposed view gives PyTorch's [out, in].
        return new Tensor(CpuStorage.of(v), Shape.of((int) t.dims[0], (int) t.dims[1])).t().contiguous();
    }

    private static final class FloatList {
        float[] a = new float[16];
        int n;

        void add(float f) {
            if (n == a.length) {
                a = Arrays.copyOf(a, n * 2);
            }
            a[n++] = f;
        }

        float[] toArray() {
            return Arrays.copyOf(a, n);
        }
    }

    private static final class IntList {
        int[] a = new int[16];
        int n;

        void add(int f) {
            if (n == a.length) {
                a = Arrays.copyOf(a, n * 2);
            }
            a[n++] = f;
        }

        int[] toArray() {
            return Arrays.copyOf(a, n);
        }
    }
}
