package io.jformer.tensor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jformer.tensor.cpu.CpuStorage;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@link HalfFloats} and the F16/BF16 conversions of {@link Tensor#to(DType)} against numpy's float16 and
 * PyTorch's bfloat16 rounding (the committed fixture {@code fixtures/half_floats.json}, written by
 * {@code scripts/make_torch_fixtures.py}: random values over 45 decades, the overflow and subnormal edges, and
 * exact ties), and widening against the IEEE formulas written out here. All comparisons are bit-exact: these
 * conversions are defined to the bit.
 */
class HalfFloatsTest {

    private static int[] floatBits;
    private static short[] f16Bits;
    private static short[] bf16Bits;

    @BeforeAll
    static void loadFixture() throws IOException {
        try (InputStream in = HalfFloatsTest.class.getResourceAsStream("/fixtures/half_floats.json")) {
            assertNotNull(in, "fixtures/half_floats.json missing from the test class path");
            JsonNode root = new ObjectMapper().readTree(in);
            JsonNode fb = root.get("float_bits");
            JsonNode hb = root.get("f16_bits");
            JsonNode bb = root.get("bf16_bits");
            int n = fb.size();
            assertEquals(n, hb.size());
            assertEquals(n, bb.size());
            floatBits = new int[n];
            f16Bits = new short[n];
            bf16Bits = new short[n];
            for (int i = 0; i < n; i++) {
                floatBits[i] = (int) fb.get(i).asLong(); // stored unsigned: 0 .. 2^32-1
                f16Bits[i] = (short) hb.get(i).asInt();
                bf16Bits[i] = (short) bb.get(i).asInt();
            }
        }
        assertTrue(floatBits.length > 10_000, "fixture looks truncated: " + floatBits.length + " values");
    }

    private static String hex(int bits) {
        return String.format("0x%04x", bits & 0xffff);
    }

    @Test
    void floatToHalfMatchesNumpyForEveryFixtureValue() {
        for (int i = 0; i < floatBits.length; i++) {
            float v = Float.intBitsToFloat(floatBits[i]);
            short got = HalfFloats.floatToHalf(v);
            if (got != f16Bits[i]) {
                fail("floatToHalf(" + v + " = 0x" + Integer.toHexString(floatBits[i]) + ") = " + hex(got)
                        + ", numpy says " + hex(f16Bits[i]));
            }
        }
    }

    @Test
    void floatToBFloat16MatchesTorchForEveryFixtureValue() {
        for (int i = 0; i < floatBits.length; i++) {
            float v = Float.intBitsToFloat(floatBits[i]);
            short got = HalfFloats.floatToBFloat16(v);
            if (got != bf16Bits[i]) {
                fail("floatToBFloat16(" + v + " = 0x" + Integer.toHexString(floatBits[i]) + ") = " + hex(got)
                        + ", torch says " + hex(bf16Bits[i]));
            }
        }
    }

    /** IEEE binary16 value of {@code bits}, from the definition (not from the code under test). */
    private static double halfValue(int bits) {
        int sign = (bits >>> 15) & 1;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        double magnitude = exp == 0x1f ? (mant == 0 ? Double.POSITIVE_INFINITY : Double.NaN)
                : exp == 0 ? mant * Math.pow(2, -24)
                : (1024 + mant) * Math.pow(2, exp - 25);
        return sign == 1 ? -magnitude : magnitude;
    }

    /** bfloat16 value of {@code bits} from the definition: 8 exponent bits (bias 127), 7 mantissa bits. */
    private static double bf16Value(int bits) {
        int sign = (bits >>> 15) & 1;
        int exp = (bits >>> 7) & 0xff;
        int mant = bits & 0x7f;
        double magnitude = exp == 0xff ? (mant == 0 ? Double.POSITIVE_INFINITY : Double.NaN)
                : exp == 0 ? mant * Math.pow(2, -133)
                : (128 + mant) * Math.pow(2, exp - 134);
        return sign == 1 ? -magnitude : magnitude;
    }

    private static boolean sameValue(double expected, float got) {
        // -0 and +0 are different bit patterns: compare signs too
        return Double.isNaN(expected) ? Float.isNaN(got)
                : expected == got && (Math.copySign(1.0, expected) == Math.copySign(1f, got));
    }

    @Test
    void halfWideningIsExactAndEveryNonNaNHalfRoundTrips() {
        int checked = 0;
        for (int bits = 0; bits < 0x10000; bits++) {
            double expected = halfValue(bits);
            float wide = HalfFloats.halfToFloat((short) bits);
            if (!sameValue(expected, wide)) {
                fail("halfToFloat(" + hex(bits) + ") = " + wide + ", expected " + expected);
            }
            if (Double.isNaN(expected)) {
                continue;
            }
            short back = HalfFloats.floatToHalf(wide);
            if ((back & 0xffff) != bits) {
                fail("half " + hex(bits) + " -> " + wide + " -> " + hex(back) + " does not round-trip");
            }
            checked++;
        }
        // 63,488 finite patterns (including ±0 and the subnormals) plus the two infinities
        assertEquals(63_488 + 2, checked);
    }

    @Test
    void bfloat16WideningIsExactAndRoundTrips() {
        for (int bits = 0; bits < 0x10000; bits++) {
            double expected = bf16Value(bits);
            float wide = HalfFloats.bfloat16ToFloat((short) bits);
            if (!sameValue(expected, wide)) {
                fail("bfloat16ToFloat(" + hex(bits) + ") = " + wide + ", expected " + expected);
            }
            if (!Double.isNaN(expected) && (HalfFloats.floatToBFloat16(wide) & 0xffff) != bits) {
                fail("bf16 " + hex(bits) + " does not round-trip");
            }
        }
    }

    @Test
    void nanStaysNanWhateverItsPayload() {
        // payloads only in the low mantissa bits are exactly the ones a plain truncation would turn into infinity
        int[] nans = {0x7fc00000, 0xffc00000, 0x7f800001, 0xff800001, 0x7f801000, 0x7fbfffff, 0x7f802000, 0x7fffffff};
        for (int b : nans) {
            float nan = Float.intBitsToFloat(b);
            assertTrue(Float.isNaN(HalfFloats.halfToFloat(HalfFloats.floatToHalf(nan))),
                    "F16 of NaN 0x" + Integer.toHexString(b));
            assertTrue(Float.isNaN(HalfFloats.bfloat16ToFloat(HalfFloats.floatToBFloat16(nan))),
                    "BF16 of NaN 0x" + Integer.toHexString(b));
            assertEquals(b >>> 31, (HalfFloats.floatToHalf(nan) >>> 15) & 1, "F16 NaN keeps its sign");
            assertEquals(b >>> 31, (HalfFloats.floatToBFloat16(nan) >>> 15) & 1, "BF16 NaN keeps its sign");
        }
    }

    @Test
    void tensorToHalfTypesUsesTheSameRoundingAsTheFixture() {
        int n = floatBits.length;
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = Float.intBitsToFloat(floatBits[i]);
        }
        // a non-contiguous source as well: the conversion runs inside the strided copy
        Tensor src = Tensor.of(values, n);
        Tensor strided = TestTensors.layout(values, new int[]{n}, TestTensors.Layout.STRIDED);
        for (Tensor s : new Tensor[]{src, strided}) {
            Tensor f16 = s.to(DType.F16);
            Tensor bf16 = s.to(DType.BF16);
            assertEquals(DType.F16, f16.dtype());
            assertEquals(DType.BF16, bf16.dtype());
            short[] h = ((CpuStorage) f16.storage()).halves();
            short[] b = ((CpuStorage) bf16.storage()).halves();
            float[] hBack = f16.to(DType.F32).toFloatArray();
            float[] bBack = bf16.toFloatArray(); // toFloatArray widens too
            for (int i = 0; i < n; i++) {
                assertEquals(hex(f16Bits[i]), hex(h[f16.offset() + i]), "F16 bits of " + values[i]);
                assertEquals(hex(bf16Bits[i]), hex(b[bf16.offset() + i]), "BF16 bits of " + values[i]);
                if (!sameValue(halfValue(f16Bits[i] & 0xffff), hBack[i])) {
                    fail("F16 -> F32 of " + hex(f16Bits[i]) + " gave " + hBack[i]);
                }
                if (!sameValue(bf16Value(bf16Bits[i] & 0xffff), bBack[i])) {
                    fail("BF16 -> F32 of " + hex(bf16Bits[i]) + " gave " + bBack[i]);
                }
            }
        }
    }

    @Test
    void tensorConversionKeepsNanAndConvertingToOwnTypeIsIdentity() {
        Tensor t = Tensor.of(new float[]{Float.NaN, Float.intBitsToFloat(0x7f800001), 1f}, 3);
        float[] viaHalf = t.to(DType.F16).toFloatArray();
        float[] viaBf16 = t.to(DType.BF16).toFloatArray();
        assertTrue(Float.isNaN(viaHalf[0]) && Float.isNaN(viaHalf[1]), "F16 NaN");
        assertTrue(Float.isNaN(viaBf16[0]) && Float.isNaN(viaBf16[1]), "BF16 NaN");
        assertEquals(1f, viaHalf[2]);
        assertTrue(t.to(DType.F32) == t, "to(own dtype) returns the tensor itself");
    }

    @Test
    void halfTensorFillRoundsLikeTheFixture() {
        // full(...) on a half tensor converts the fill value with the same rounding
        for (int i = 0; i < floatBits.length; i += 997) {
            float v = Float.intBitsToFloat(floatBits[i]);
            Tensor h = Tensor.full(Shape.of(3), v, DType.F16, Device.CPU);
            Tensor b = Tensor.full(Shape.of(3), v, DType.BF16, Device.CPU);
            assertEquals(hex(f16Bits[i]), hex(((CpuStorage) h.storage()).halves()[2]), "F16 fill of " + v);
            assertEquals(hex(bf16Bits[i]), hex(((CpuStorage) b.storage()).halves()[2]), "BF16 fill of " + v);
        }
    }
}
