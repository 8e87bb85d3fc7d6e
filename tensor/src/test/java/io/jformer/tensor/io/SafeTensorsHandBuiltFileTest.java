package io.jformer.tensor.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jformer.tensor.DType;
import io.jformer.tensor.Shape;
import io.jformer.tensor.Tensor;
import io.jformer.tensor.cpu.CpuStorage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reads files whose bytes the test lays out itself, so the reader is checked without trusting the writer. */
class SafeTensorsHandBuiltFileTest {

    @TempDir
    Path dir;

    /**
     * Every loadable type, listed out of offset order, with {@code __metadata__} in the middle, an unknown field, a
     * 4-byte gap between two tensors and space padding: all of which the format allows.
     */
    private static final String EVERY_TYPE_HEADER = "{"
            + "\"f16\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[16,22]},"
            + "\"f32\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16],\"note\":{\"ignored\":[1]}},"
            + "\"__metadata__\":{\"format\":\"pt\",\"source\":\"hand\"},"
            + "\"bf16\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[22,26]},"
            // 26..30 is a gap
            + "\"i64\":{\"dtype\":\"I64\",\"shape\":[2,1],\"data_offsets\":[30,46]},"
            + "\"f64\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[46,62]},"
            + "\"i32\":{\"dtype\":\"I32\",\"shape\":[2],\"data_offsets\":[62,70]},"
            + "\"u32\":{\"dtype\":\"U32\",\"shape\":[1],\"data_offsets\":[70,74]},"
            + "\"i16\":{\"dtype\":\"I16\",\"shape\":[1],\"data_offsets\":[74,76]},"
            + "\"u16\":{\"dtype\":\"U16\",\"shape\":[1],\"data_offsets\":[76,78]},"
            + "\"i8\":{\"dtype\":\"I8\",\"shape\":[1],\"data_offsets\":[78,79]},"
            + "\"u8\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[79,80]},"
            + "\"bool\":{\"dtype\":\"BOOL\",\"shape\":[3],\"data_offsets\":[80,83]},"
            + "\"u64\":{\"dtype\":\"U64\",\"shape\":[1],\"data_offsets\":[83,91]}"
            + "}     ";

    private static byte[] everyTypePayload() {
        ByteBuffer b = HandBuiltFiles.payload(91);
        b.putFloat(1.5f).putFloat(-2f).putFloat(0.25f).putFloat(1e30f);              // f32   0..16
        b.putShort((short) 0x3C00).putShort((short) 0xC000).putShort((short) 0x7BFF); // f16  16..22: 1, -2, 65504
        b.putShort((short) 0x3F80).putShort((short) 0xC040);                        // bf16 22..26: 1, -3
        b.putInt(0xDEADBEEF);                                                       // gap  26..30
        b.putLong(Long.MIN_VALUE).putLong(42);                                      // i64  30..46
        b.putDouble(0.1).putDouble(1e300);                                          // f64  46..62
        b.putInt(-7).putInt(Integer.MAX_VALUE);                                     // i32  62..70
        b.putInt(0xFFFFFFFF);                                                       // u32  70..74
        b.putShort((short) -32768);                                                 // i16  74..76
        b.putShort((short) 0xFFFF);                                                 // u16  76..78
        b.put((byte) -128);                                                         // i8   78
        b.put((byte) 0xFF);                                                         // u8   79
        b.put((byte) 0).put((byte) 1).put((byte) 2);                                // bool 80..83
        b.putLong(Long.MAX_VALUE);                                                  // u64  83..91
        return b.array();
    }

    @Test
    void readsEveryTypeFromHandBuiltBytes() throws IOException {
        Path file = HandBuiltFiles.write(dir, "every.safetensors", EVERY_TYPE_HEADER, everyTypePayload());
        try (SafeTensorsFile f = SafeTensors.open(file)) {
            assertEquals(List.of("f16", "f32", "bf16", "i64", "f64", "i32", "u32", "i16", "u16", "i8", "u8", "bool",
                    "u64"), List.copyOf(f.names()), "names in file order, __metadata__ excluded");
            assertEquals(Map.of("format", "pt", "source", "hand"), f.metadata());
            assertEquals(List.of("format", "source"), List.copyOf(f.metadata().keySet()));
            assertEquals(new TensorInfo("i64", "I64", List.of(2L, 1L), 30, 46), f.info("i64"));

            Tensor f32 = f.load("f32");
            assertEquals(DType.F32, f32.dtype());
            assertEquals(Shape.of(2, 2), f32.shape());
            assertArrayEquals(new float[] {1.5f, -2f, 0.25f, 1e30f}, f32.toFloatArray());

            Tensor f16 = f.load("f16");
            assertEquals(DType.F16, f16.dtype());
            assertArrayEquals(new short[] {0x3C00, (short) 0xC000, 0x7BFF}, ((CpuStorage) f16.storage()).halves());
            assertArrayEquals(new float[] {1f, -2f, 65504f}, f.loadAsF32("f16").toFloatArray());

            Tensor bf16 = f.load("bf16");
            assertEquals(DType.BF16, bf16.dtype());
            assertArrayEquals(new short[] {0x3F80, (short) 0xC040}, ((CpuStorage) bf16.storage()).halves());
            assertArrayEquals(new float[] {1f, -3f}, f.loadAsF32("bf16").toFloatArray());

            Tensor i64 = f.load("i64");
            assertEquals(DType.I64, i64.dtype());
            assertEquals(Shape.of(2, 1), i64.shape());
            assertArrayEquals(new long[] {Long.MIN_VALUE, 42}, i64.toLongArray());

            Tensor f64 = f.load("f64");
            assertEquals(DType.F32, f64.dtype(), "F64 loads as F32");
            assertArrayEquals(new float[] {0.1f, Float.POSITIVE_INFINITY}, f64.toFloatArray(),
                    "rounded to nearest; beyond the F32 range becomes infinity");

            assertIntegers(f, "i32", -7, Integer.MAX_VALUE);
            assertIntegers(f, "u32", 4294967295L);
            assertIntegers(f, "i16", -32768);
            assertIntegers(f, "u16", 65535);
            assertIntegers(f, "i8", -128);
            assertIntegers(f, "u8", 255);
            assertIntegers(f, "bool", 0, 1, 1);
            assertIntegers(f, "u64", Long.MAX_VALUE);

            assertArrayEquals(new float[] {-7f, (float) Integer.MAX_VALUE}, f.loadAsF32("i32").toFloatArray());
            assertEquals(List.copyOf(f.names()), List.copyOf(f.loadAll().keySet()));
        }
    }

    private static void assertIntegers(SafeTensorsFile f, String name, long... expected) throws IOException {
        Tensor t = f.load(name);
        assertEquals(DType.I64, t.dtype(), name + " loads as I64");
        assertArrayEquals(expected, t.toLongArray(), name);
    }

    @Test
    void windowedMappingGivesTheSameTensors() throws IOException {
        // Windows of 8 and 24 bytes split every multi-element tensor across mappings, as a 1 GiB window would a
        // multi-gigabyte tensor.
        Path file = HandBuiltFiles.write(dir, "every.safetensors", EVERY_TYPE_HEADER, everyTypePayload());
        try (SafeTensorsFile whole = SafeTensors.open(file);
                SafeTensorsFile tiny = SafeTensorsFile.open(file, 8);
                SafeTensorsFile small = SafeTensorsFile.open(file, 24)) {
            for (String name : whole.names()) {
                Tensor expected = whole.load(name);
                for (SafeTensorsFile windowed : List.of(tiny, small)) {
                    Tensor actual = windowed.load(name);
                    assertEquals(expected.dtype(), actual.dtype(), name);
                    assertEquals(expected.shape(), actual.shape(), name);
                    if (expected.dtype() == DType.I64) {
                        assertArrayEquals(expected.toLongArray(), actual.toLongArray(), name);
                    } else {
                        assertArrayEquals(expected.toFloatArray(), actual.toFloatArray(), name);
                    }
                }
            }
        }
    }

    @Test
    void largeTensorAcrossManyWindowsKeepsElementOrder() throws IOException {
        int n = 1000;
        ByteBuffer b = HandBuiltFiles.payload(n * 4);
        for (int i = 0; i < n; i++) {
            b.putFloat(i * 0.5f);
        }
        String header = "{\"x\":{\"dtype\":\"F32\",\"shape\":[10,100],\"data_offsets\":[0," + n * 4 + "]}}";
        Path file = HandBuiltFiles.write(dir, "large.safetensors", header, b.array());
        try (SafeTensorsFile f = SafeTensorsFile.open(file, 64)) {
            float[] values = f.load("x").toFloatArray();
            for (int i = 0; i < n; i++) {
                assertEquals(i * 0.5f, values[i], "element " + i);
            }
        }
    }

    @Test
    void emptyHeaderMeansNoTensors() throws IOException {
        Path file = HandBuiltFiles.write(dir, "empty.safetensors", "{}      ", new byte[0]);
        try (SafeTensorsFile f = SafeTensors.open(file)) {
            assertTrue(f.names().isEmpty());
            assertTrue(f.metadata().isEmpty());
            assertTrue(f.loadAll().isEmpty());
        }
    }

    @Test
    void missingTensorNamesTheTensorAndTheFile() throws IOException {
        Path file = HandBuiltFiles.write(dir, "every.safetensors", EVERY_TYPE_HEADER, everyTypePayload());
        try (SafeTensorsFile f = SafeTensors.open(file)) {
            NoSuchElementException e = assertThrows(NoSuchElementException.class, () -> f.load("bert.pooler.weight"));
            assertTrue(e.getMessage().contains("'bert.pooler.weight'"), e.getMessage());
            assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
            assertThrows(NoSuchElementException.class, () -> f.info("nope"));
        }
    }

    @Test
    void typesTheEngineCannotHoldAreRejectedByName() throws IOException {
        String header = "{\"scales\":{\"dtype\":\"F8_E4M3\",\"shape\":[4],\"data_offsets\":[0,4]}}";
        Path file = HandBuiltFiles.write(dir, "fp8.safetensors", header, new byte[4]);
        try (SafeTensorsFile f = SafeTensors.open(file)) {
            assertEquals("F8_E4M3", f.info("scales").dtype(), "recognised and described");
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, () -> f.load("scales"));
            assertTrue(e.getMessage().contains("'scales'"), e.getMessage());
            assertTrue(e.getMessage().contains("F8_E4M3"), e.getMessage());
            assertTrue(e.getMessage().contains("fp8.safetensors"), e.getMessage());
        }
    }

    @Test
    void u64AboveTheI64RangeIsAnErrorAtItsOffset() throws IOException {
        String header = "{\"big\":{\"dtype\":\"U64\",\"shape\":[2],\"data_offsets\":[0,16]}}";
        byte[] data = HandBuiltFiles.payload(16).putLong(5).putLong(-1L).array();
        Path file = HandBuiltFiles.write(dir, "u64.safetensors", header, data);
        try (SafeTensorsFile f = SafeTensors.open(file)) {
            SafeTensorsFormatException e = assertThrows(SafeTensorsFormatException.class, () -> f.load("big"));
            long secondElement = 8 + header.length() + 8;
            assertEquals(secondElement, e.byteOffset());
            assertEquals("big", e.tensorName());
            assertTrue(e.getMessage().contains("18446744073709551615"), e.getMessage());
        }
    }

    @Test
    void closedFileRefusesToLoadButLoadedTensorsSurvive() throws IOException {
        Path file = HandBuiltFiles.write(dir, "every.safetensors", EVERY_TYPE_HEADER, everyTypePayload());
        SafeTensorsFile f = SafeTensors.open(file);
        Tensor kept = f.load("f32");
        f.close();
        assertThrows(IllegalStateException.class, () -> f.load("f32"));
        assertArrayEquals(new float[] {1.5f, -2f, 0.25f, 1e30f}, kept.toFloatArray());
    }
}
