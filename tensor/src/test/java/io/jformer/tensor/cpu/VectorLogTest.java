package io.jformer.tensor.cpu;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link VectorLog#log}: the same bits as the documented steps (Cephes {@code logf}) computed here one float at a
 * time with {@code Math.fma}, so a log whose last bit depends on the JIT (the JDK's vector log is {@code Math.log}
 * per lane before C2 compiles it and an SVML stub after) fails this on any run, not by chance; within 1 ulp of
 * the exact logarithm (the polynomial's accuracy, 0.75 ulp observed over every 997th positive float); and the
 * special values of {@link Math#log}.
 */
class VectorLogTest {

    private static final int LANES = VectorMath.LANES;

    @Test
    void everyLaneIsTheDocumentedStepsBitForBitAndWithinAnUlp() {
        float[] x = new float[LANES];
        float[] out = new float[LANES];
        int k = 0;
        // Every 65,537th bit pattern of the positive floats, denormals to the largest finite value.
        for (long bits = 1; bits < 0x7f800000L; bits += 65_537) {
            x[k++] = Float.intBitsToFloat((int) bits);
            if (k == LANES) {
                VectorLog.log(FloatVector.fromArray(VectorMath.SPECIES, x, 0)).intoArray(out, 0);
                for (int i = 0; i < LANES; i++) {
                    assertEquals(Float.floatToIntBits(cephesLog(x[i])), Float.floatToIntBits(out[i]), "log " + x[i]);
                    double exact = Math.log(x[i]);
                    assertTrue(Math.abs(out[i] - exact) <= Math.ulp((float) exact), "log " + x[i] + " = " + out[i]
                            + " vs " + exact);
                }
                k = 0;
            }
        }
    }

    @Test
    void specialValuesAreThoseOfMathLog() {
        float[] x = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f, -1f, -Float.MIN_VALUE,
            Float.MIN_VALUE, Float.MIN_NORMAL, 1f, Float.MAX_VALUE, 2f, 0.5f, (float) Math.E};
        float[] padded = java.util.Arrays.copyOf(x, (x.length + LANES - 1) / LANES * LANES);
        float[] out = new float[padded.length];
        for (int i = 0; i < padded.length; i += LANES) {
            VectorLog.log(FloatVector.fromArray(VectorMath.SPECIES, padded, i)).intoArray(out, i);
        }
        for (int i = 0; i < x.length; i++) {
            float expected = (float) Math.log(x[i]);
            if (Float.isNaN(expected) || Float.isInfinite(expected) || expected == 0) {
                assertEquals(Float.floatToIntBits(expected), Float.floatToIntBits(out[i]), "log " + x[i]);
            } else {
                assertTrue(Math.abs(out[i] - Math.log(x[i])) <= Math.ulp(expected), "log " + x[i] + " = " + out[i]);
            }
        }
    }

    /** The steps {@link VectorLog} documents, for one positive normal or denormal float. */
    private static float cephesLog(float x) {
        int e = 0;
        if (x < Float.MIN_NORMAL) {
            x *= 8388608f;
            e = -23;
        }
        int bits = Float.floatToRawIntBits(x);
        e += (bits >>> 23) - 126;
        float m = Float.intBitsToFloat((bits & 0x007fffff) | 0x3f000000);
        float f;
        if (m < 0.707106781186547524f) {
            e -= 1;
            f = m + m - 1f;
        } else {
            f = m - 1f;
        }
        float z = f * f;
        float p = Math.fma(f, 7.0376836292e-2f, -1.1514610310e-1f);
        p = Math.fma(p, f, 1.1676998740e-1f);
        p = Math.fma(p, f, -1.2420140846e-1f);
        p = Math.fma(p, f, 1.4249322787e-1f);
        p = Math.fma(p, f, -1.6668057665e-1f);
        p = Math.fma(p, f, 2.0000714765e-1f);
        p = Math.fma(p, f, -2.4999993993e-1f);
        p = Math.fma(p, f, 3.3333331174e-1f);
        float y = p * f * z;
        float fe = e;
        y = Math.fma(fe, -2.12194440e-4f, y);
        y = Math.fma(z, -0.5f, y);
        float r = f + y;
        return Math.fma(fe, 0.693359375f, r);
    }
}
