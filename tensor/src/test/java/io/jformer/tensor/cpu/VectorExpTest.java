package io.jformer.tensor.cpu;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The softmax's exponential: the vector loop {@link VectorExp#expShiftedSum} and its scalar twin for row tails
 * must give the same bits for every input, or a row's value would depend on where its elements fall; both are
 * held to {@code Math.exp} within the polynomial's accuracy, flush to 0 below the normal floats and overflow
 * above 88.37 as documented.
 */
class VectorExpTest {

    private static final int LANES = VectorMath.LANES;

    @Test
    void scalarTwinMatchesTheVectorLanesBitForBit() {
        Random r = new Random(11);
        int n = 64 * LANES;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = switch (i % 8) {
                case 0 -> (float) (r.nextGaussian() * 30);
                case 1 -> -80f - r.nextFloat() * 30; // across the flush to 0 below -87.33
                case 2 -> 87f + r.nextFloat() * 3; // across the overflow to +inf above 88.37
                default -> (float) (r.nextGaussian() * 3);
            };
        }
        float[] specials = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -0f, 0f, -104f, 89f,
            Float.MIN_VALUE, -Float.MAX_VALUE};
        System.arraycopy(specials, 0, x, 0, specials.length);
        for (float shift : new float[]{0f, 2.5f, -7.25f}) {
            float[] out = new float[n];
            VectorExp.expShiftedSum(x, 0, shift, out, 0, n);
            for (int i = 0; i < n; i++) {
                float scalar = VectorExp.expShifted(x[i], shift);
                assertEquals(Float.floatToIntBits(out[i]), Float.floatToIntBits(scalar),
                        "x = " + x[i] + ", shift = " + shift);
                double exact = Math.exp((double) x[i] - shift);
                float v = x[i] - shift;
                if (v < -87.33f) {
                    // Below the smallest normal float (1.18e-38 = e^-87.34) the softmax's exponential is 0.
                    assertEquals(0, Float.floatToIntBits(out[i]), x[i] + " - " + shift);
                } else if (v > 88.37f) {
                    assertEquals(Float.POSITIVE_INFINITY, out[i], x[i] + " - " + shift);
                } else if (!Float.isNaN(v)) {
                    assertTrue(out[i] > 0 && out[i] < Float.POSITIVE_INFINITY, x[i] + " - " + shift + ": " + out[i]);
                }
                if (Double.isFinite(exact) && exact > 1e-37 && exact < 1e38) {
                    // Cephes expf: ~1-2 ulp; 3e-7 relative is 2.5 ulp at worst; the shift's rounding adds
                    // |x - shift|·2⁻²⁴ to the argument, i.e. that much relative error in the result.
                    double tol = 3e-7 + Math.abs(x[i] - shift) * 0x1p-24;
                    assertTrue(Math.abs(out[i] - exact) <= tol * exact, x[i] + " - " + shift + ": " + out[i]
                            + " vs " + exact);
                }
            }
        }
    }

    /**
     * The returned sum follows the documented order: the exponentials accumulated lane by lane, the lanes folded
     * in {@link VectorMath#sumLanes}'s tree (on 16 lanes it hands them to {@link VectorMath#foldSixteen}), then
     * the tail in order.
     */
    @Test
    void sumAddsLanesFoldsThemThenTheTail() {
        Random r = new Random(12);
        for (int trial = 0; trial < 200; trial++) {
            int len = r.nextInt(6 * LANES);
            float[] x = new float[len];
            for (int i = 0; i < len; i++) {
                x[i] = (float) (r.nextGaussian() * 4);
            }
            float[] out = new float[len];
            float sum = VectorExp.expShiftedSum(x, 0, 1.5f, out, 0, len);
            int full = len / LANES * LANES;
            float[] lanes = new float[LANES];
            for (int i = 0; i < full; i++) {
                lanes[i % LANES] += out[i];
            }
            float expected = VectorMath.foldTree(lanes, LANES);
            for (int i = full; i < len; i++) {
                expected += out[i];
            }
            assertEquals(Float.floatToIntBits(expected), Float.floatToIntBits(sum), "length " + len);
        }
    }
}
