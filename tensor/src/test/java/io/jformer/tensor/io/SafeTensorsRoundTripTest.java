package io.jformer.tensor.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jformer.tensor.DType;
import io.jformer.tensor.Shape;
import io.jformer.tensor.Tensor;
import io.jformer.tensor.cpu.CpuStorage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the writer writes, the reader reads back unchanged, and the layout is the reference implementation's. */
class SafeTensorsRoundTripTest {

    @TempDir
    Path dir;

    private static Tensor halves(DType dtype, short[] bits, int... shape) {
        return new Tensor(CpuStorage.ofHalves(dtype, bits.clone()), Shape.of(shape));
    }

    private static short[] rawHalves(Tensor t) {
        assertEquals(0, t.offset());
        return ((CpuStorage) t.storage()).halves();
    }

    private static int[] rawFloatBits(Tensor t) {
        assertEquals(0, t.offset());
        float[] f = ((CpuStorage) t.storage()).floats();
        int[] bits = new int[f.length];
        for (int i = 0; i < f.length; i++) {
            bits[i] = Float.floatToRawIntBits(f[i]);
        }
        return bits;
    }

    private Map<String, Tensor> saveAndLoad(Map<String, Tensor> tensors, Map<String, String> metadata)
            throws IOException {
        Path file = dir.resolve("model.safetensors");
        SafeTensors.save(file, tensors, metadata);
        try (SafeTensorsFile f = SafeTensors.open(file)) {
            return f.loadAll();
        }
    }

    @Test
    void everyDtypeRoundTripsBitForBit() throws IOException {
        Random rnd = new Random(7);
        // Signalling and payload-carrying NaNs, negative zero, infinities and subnormals must survive unchanged.
        int[] specialFloatBits = {0x7fa00001, 0xffc12345, 0x80000000, 0x7f800000, 0xff800000, 0x00000001, 0x3f800000};
        float[] floats = new float[specialFloatBits.length + 13];
        for (int i = 0; i < floats.length; i++) {
            floats[i] = i < specialFloatBits.length ? Float.intBitsToFloat(specialFloatBits[i]) : (float) rnd.nextGaussian();
        }
        short[] f16 = new short[12];
        short[] bf16 = new short[12];
        for (int i = 0; i < 12; i++) {
            f16[i] = (short) rnd.nextInt(1 << 16);
            bf16[i] = (short) rnd.nextInt(1 << 16);
        }
        f16[0] = 0x7c01;         // signalling NaN
        bf16[0] = (short) 0xff81; // signalling NaN
        long[] longs = {Long.MIN_VALUE, Long.MAX_VALUE, -1, 0, 1L << 53 | 1, 30522};

        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("f32", new Tensor(CpuStorage.of(floats.clone()), Shape.of(4, 5)));
        in.put("f16", halves(DType.F16, f16, 3, 2, 2));
        in.put("bf16", halves(DType.BF16, bf16, 12));
        in.put("i64", Tensor.ofLongs(longs, 2, 3));
        Map<String, Tensor> out = saveAndLoad(in, null);

        for (String name : in.keySet()) {
            assertEquals(in.get(name).dtype(), out.get(name).dtype(), name);
            assertEquals(in.get(name).shape(), out.get(name).shape(), name);
        }
        assertArrayEquals(rawFloatBits(in.get("f32")), rawFloatBits(out.get("f32")));
        assertArrayEquals(f16, rawHalves(out.get("f16")));
        assertArrayEquals(bf16, rawHalves(out.get("bf16")));
        assertArrayEquals(longs, ((CpuStorage) out.get("i64").storage()).longs());
    }

    @Test
    void nonContiguousTensorsAreWrittenRowMajor() throws IOException {
        float[] base = new float[12];
        for (int i = 0; i < base.length; i++) {
            base[i] = i;
        }
        Tensor matrix = Tensor.of(base, 3, 4);
        short[] bits = {0x3c00, 0x4000, 0x4200, 0x4400, 0x4500, 0x4600}; // 1..6 in F16
        Tensor f16 = halves(DType.F16, bits, 6);
        short[] bfBits = {0x3f80, 0x4000, 0x4040, 0x4080, 0x40a0, 0x40c0, 0x40e0, 0x4100}; // 1..8 in BF16

        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("transposed", matrix.t());                                  // [4,3], strides [1,4]
        in.put("strided", f16.slice(0, 1, 6, 2));                          // elements 1, 3, 5
        in.put("offset", halves(DType.BF16, bfBits, 4, 2).narrow(0, 1, 2)); // contiguous, storage offset 2
        in.put("broadcast", Tensor.ofLongs(new long[] {7, 8, 9}, 1, 3).expand(2, 3)); // stride 0
        Map<String, Tensor> out = saveAndLoad(in, null);

        // Expected values are spelled out from the base arrays, not computed by the engine's copy kernels.
        float[] transposed = new float[12];
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 3; j++) {
                transposed[i * 3 + j] = base[j * 4 + i];
            }
        }
        assertEquals(Shape.of(4, 3), out.get("transposed").shape());
        assertArrayEquals(transposed, ((CpuStorage) out.get("transposed").storage()).floats());
        assertArrayEquals(new short[] {bits[1], bits[3], bits[5]}, rawHalves(out.get("strided")));
        assertArrayEquals(new short[] {bfBits[2], bfBits[3], bfBits[4], bfBits[5]}, rawHalves(out.get("offset")));
        assertEquals(Shape.of(2, 3), out.get("broadcast").shape());
        assertArrayEquals(new long[] {7, 8, 9, 7, 8, 9}, ((CpuStorage) out.get("broadcast").storage()).longs());
    }

    @Test
    void scalarAndEmptyTensorsRoundTrip() throws IOException {
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("scalar", Tensor.scalar(2.5));
        in.put("empty_rows", Tensor.zeros(0, 3));
        in.put("empty_ids", Tensor.ofLongs(new long[0], 2, 0));
        in.put("empty_half", halves(DType.BF16, new short[0], 0));
        in.put("after", Tensor.of(new float[] {4f}, 1));
        Path file = dir.resolve("edge.safetensors");
        SafeTensors.save(file, in, null);
        try (SafeTensorsFile f = SafeTensors.open(file)) {
            Tensor scalar = f.load("scalar");
            assertEquals(0, scalar.rank());
            assertEquals(2.5f, scalar.item());
            assertEquals(List.of(), f.info("scalar").shape());
            assertEquals(Shape.of(0, 3), f.load("empty_rows").shape());
            assertEquals(Shape.of(2, 0), f.load("empty_ids").shape());
            assertEquals(DType.I64, f.load("empty_ids").dtype());
            assertEquals(Shape.of(0), f.load("empty_half").shape());
            for (String empty : List.of("empty_rows", "empty_ids", "empty_half")) {
                assertEquals(0, f.info(empty).byteLength(), empty);
            }
            assertArrayEquals(new float[] {4f}, f.load("after").toFloatArray());
        }
    }

    @Test
    void metadataRoundTripsInOrder() throws IOException {
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("format", "pt");
        metadata.put("quote\"back\\slash", "line\nbreak\ttab");
        metadata.put("unicode", "héllo wörld ✓ 日本");
        metadata.put("empty", "");
        Path file = dir.resolve("meta.safetensors");
        SafeTensors.save(file, Map.of("w", Tensor.ones(2)), metadata);
        try (SafeTensorsFile f = SafeTensors.open(file)) {
            assertEquals(metadata, f.metadata());
            assertEquals(new ArrayList<>(metadata.keySet()), new ArrayList<>(f.metadata().keySet()));
        }
    }

    @Test
    void layoutIsTheReferenceImplementations() throws IOException {
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("b_half", halves(DType.F16, new short[3], 3));
        in.put("a_half", halves(DType.F16, new short[1], 1));
        in.put("z_float", Tensor.zeros(2));
        in.put("brain", halves(DType.BF16, new short[5], 5));
        in.put("a_float", Tensor.zeros(3));
        in.put("ids", Tensor.ofLongs(new long[2], 2));
        Path file = dir.resolve("layout.safetensors");
        SafeTensors.save(file, in, Map.of("format", "pt"));

        byte[] bytes = Files.readAllBytes(file);
        long headerLength = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, headerLength % 8, "header padded to a multiple of 8");
        String header = new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8);
        assertTrue(header.startsWith("{\"__metadata__\":{\"format\":\"pt\"},\"ids\":"), header);
        try (SafeTensorsFile f = SafeTensors.open(file)) {
            // Widest type first (I64, F32, BF16, F16), then by name; offsets contiguous from 0.
            assertEquals(List.of("ids", "a_float", "z_float", "brain", "a_half", "b_half"), List.copyOf(f.names()));
            long expectedBegin = 0;
            for (String name : f.names()) {
                TensorInfo info = f.info(name);
                assertEquals(expectedBegin, info.begin(), name);
                expectedBegin = info.end();
            }
            assertEquals(bytes.length, 8 + headerLength + expectedBegin, "no bytes after the last tensor");
        }
    }

    /** The byte-exact outputs the reference implementation's own tests expect (safetensors/src/tensor.rs). */
    @Test
    void writerReproducesTheReferenceTestVectors() throws IOException {
        float[] zeroToFive = {0, 1, 2, 3, 4, 5};
        ByteBuffer data = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : zeroToFive) {
            data.putFloat(v);
        }
        assertWrites(HandBuiltFiles.file("{\"attn.0\":{\"dtype\":\"F32\",\"shape\":[1,2,3],\"data_offsets\":[0,24]}}",
                data.array()), Map.of("attn.0", Tensor.of(zeroToFive, 1, 2, 3)), null);
        assertWrites(HandBuiltFiles.file("{\"attn0\":{\"dtype\":\"F32\",\"shape\":[1,1,2,3],\"data_offsets\":[0,24]}}"
                + "       ", data.array()), Map.of("attn0", Tensor.of(zeroToFive, 1, 1, 2, 3)), null);
        assertWrites(HandBuiltFiles.file("{}      ", new byte[0]), Map.of(), null);
        assertWrites(HandBuiltFiles.file("{\"__metadata__\":{\"framework\":\"pt\"}}     ", new byte[0]), Map.of(),
                Map.of("framework", "pt"));
    }

    private void assertWrites(byte[] expected, Map<String, Tensor> tensors, Map<String, String> metadata)
            throws IOException {
        Path file = dir.resolve("vector.safetensors");
        SafeTensors.save(file, tensors, metadata);
        // The message shows the expected header; the 8-byte length prefix and the data are not printable.
        String header = new String(expected, 8, (int) ByteBuffer.wrap(expected, 0, 8).order(ByteOrder.LITTLE_ENDIAN)
                .getLong(), StandardCharsets.UTF_8);
        assertArrayEquals(expected, Files.readAllBytes(file), header);
    }

    @Test
    void savingOverAnOpenFileLeavesTheOpenReaderOnTheOldContents() throws IOException {
        Path file = dir.resolve("model.safetensors");
        SafeTensors.save(file, Map.of("w", Tensor.of(new float[] {1, 2}, 2)), null);
        try (SafeTensorsFile old = SafeTensors.open(file)) {
            SafeTensors.save(file, Map.of("w", Tensor.of(new float[] {3, 4, 5}, 3)), null);
            assertArrayEquals(new float[] {1, 2}, old.load("w").toFloatArray(), "the rename left the old inode alone");
        }
        try (SafeTensorsFile fresh = SafeTensors.open(file)) {
            assertArrayEquals(new float[] {3, 4, 5}, fresh.load("w").toFloatArray());
        }
    }

    @Test
    void loadAsF32WidensEveryStoredType() throws IOException {
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("half", halves(DType.F16, new short[] {0x3555, (short) 0xfbff}, 2)); // 0.333251953125, -65504
        in.put("brain", halves(DType.BF16, new short[] {0x3eab, 0x7f80}, 2));       // 0.333984375, +inf
        in.put("ids", Tensor.ofLongs(new long[] {-3, 1L << 24}, 2));
        Path file = dir.resolve("widen.safetensors");
        SafeTensors.save(file, in, null);
        try (SafeTensorsFile f = SafeTensors.open(file)) {
            for (String name : in.keySet()) {
                assertEquals(DType.F32, f.loadAsF32(name).dtype(), name);
            }
            assertArrayEquals(new float[] {0.333251953125f, -65504f}, f.loadAsF32("half").toFloatArray());
            assertArrayEquals(new float[] {0.333984375f, Float.POSITIVE_INFINITY}, f.loadAsF32("brain").toFloatArray());
            assertArrayEquals(new float[] {-3f, 16777216f}, f.loadAsF32("ids").toFloatArray());
        }
    }
}
