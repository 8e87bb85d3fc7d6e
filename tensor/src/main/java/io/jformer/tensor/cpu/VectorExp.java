package io.jformer.tensor.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

import static io.jformer.tensor.cpu.VectorMath.SPECIES;

/**
 * exp and tanh on float vectors from adds, multiplies, FMAs, compares, blends and bit operations only
 * (Cephes {@code expf}/{@code tanhf} polynomials, ~1–2 ulp). Why not {@code VectorOperators.EXP/TANH}:
 * on JDK 17 those run an SVML stub once C2 has compiled the loop but {@code Math.exp/tanh} per lane
 * before, and the two differ in the last bit, so a result would depend on JIT timing (seen in
 * {@code ElementwiseKernelsTest}: the same tanh input gave different bits on the first and a later call).
 * These give the same bits interpreted, compiled, on every lane and every JVM.
 */
final class VectorExp {

    private VectorExp() {
    }

    private static final FloatVector E0 = bc(1.9875691500e-4f);
    private static final FloatVector E1 = bc(1.3981999507e-3f);
    private static final FloatVector E2 = bc(8.3334519073e-3f);
    private static final FloatVector E3 = bc(4.1665795894e-2f);
    private static final FloatVector E4 = bc(1.6666665459e-1f);
    private static final FloatVector E5 = bc(5.0000001201e-1f);
    private static final FloatVector LOG2E = bc(1.44269504088896341f);
    /** 1.5·2²³: adding it rounds to an integer held in the low mantissa bits. */
    private static final FloatVector ROUNDER = bc(12582912f);
    private static final int ROUNDER_BITS = Float.floatToRawIntBits(12582912f);
    private static final FloatVector MINUS_LN2_HI = bc(-0.693359375f);
    private static final FloatVector MINUS_LN2_LO = bc(2.12194440e-4f);
    /** exp overflows above 88.72 and is below half the smallest denormal under -103.97. */
    private static final float EXP_HI = 89f;
    private static final float EXP_LO = -104f;

    // tanh(x) = x + x³·T(x²) for |x| < 0.625
    private static final FloatVector T0 = bc(-5.70498872745e-3f);
    private static final FloatVector T1 = bc(2.06390887954e-2f);
    private static final FloatVector T2 = bc(-5.37397155531e-2f);
    private static final FloatVector T3 = bc(1.33314422036e-1f);
    private static final FloatVector T4 = bc(-3.33332819422e-1f);

    private static FloatVector bc(float v) {
        return FloatVector.broadcast(SPECIES, v);
    }

    /** e^x for every float: overflow to +inf, gradual underflow to denormals and 0, NaN for NaN. */
    static FloatVector exp(FloatVector x) {
        FloatVector a = x.blend(EXP_HI, x.compare(VectorOperators.GT, EXP_HI))
                .blend(EXP_LO, x.compare(VectorOperators.LT, EXP_LO));
        FloatVector t = a.fma(LOG2E, ROUNDER);
        FloatVector k = t.sub(ROUNDER); // round(a·log2 e), in [-150, 128]
        FloatVector r = k.fma(MINUS_LN2_LO, k.fma(MINUS_LN2_HI, a));
        FloatVector p = r.fma(E0, E1).fma(r, E2).fma(r, E3).fma(r, E4).fma(r, E5);
        FloatVector er = p.fma(r.mul(r), r).add(1f);
        // 2^k as 2^k1 · 2^k2 with k1 = k >> 1, both normal: the second product rounds into the denormals
        IntVector ki = t.reinterpretAsInts().sub(ROUNDER_BITS);
        IntVector k1 = ki.lanewise(VectorOperators.ASHR, 1);
        IntVector k2 = ki.sub(k1);
        FloatVector s1 = k1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector s2 = k2.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return er.mul(s1).mul(s2);
    }

    /** tanh(x): an odd polynomial below |x| = 0.625, {@code 1 - 2/(e^{2|x|} + 1)} above, sign restored. */
    static FloatVector tanh(FloatVector x) {
        FloatVector ax = x.abs();
        FloatVector z = x.mul(x);
        FloatVector small = z.fma(T0, T1).fma(z, T2).fma(z, T3).fma(z, T4).mul(z).fma(x, x);
        FloatVector big = ONE.sub(TWO.div(exp(ax.add(ax)).add(1f)));
        big = big.blend(big.neg(), x.compare(VectorOperators.LT, 0f));
        return big.blend(small, ax.compare(VectorOperators.LT, 0.625f));
    }

    private static final FloatVector ONE = bc(1f);
    private static final FloatVector TWO = bc(2f);
}
