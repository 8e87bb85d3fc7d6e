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

    private static final float E0_F = 1.9875691500e-4f;
    private static final float E1_F = 1.3981999507e-3f;
    private static final float E2_F = 8.3334519073e-3f;
    private static final float E3_F = 4.1665795894e-2f;
    private static final float E4_F = 1.6666665459e-1f;
    private static final float E5_F = 5.0000001201e-1f;
    private static final float LOG2E_F = 1.44269504088896341f;
    /** 1.5·2²³: adding it rounds to an integer held in the low mantissa bits. */
    private static final float ROUNDER_F = 12582912f;
    private static final float MINUS_LN2_HI_F = -0.693359375f;
    private static final float MINUS_LN2_LO_F = 2.12194440e-4f;
    private static final FloatVector E0 = bc(E0_F);
    private static final FloatVector E1 = bc(E1_F);
    private static final FloatVector E2 = bc(E2_F);
    private static final FloatVector E3 = bc(E3_F);
    private static final FloatVector E4 = bc(E4_F);
    private static final FloatVector E5 = bc(E5_F);
    private static final FloatVector LOG2E = bc(LOG2E_F);
    private static final FloatVector ROUNDER = bc(ROUNDER_F);
    private static final int ROUNDER_BITS = Float.floatToRawIntBits(ROUNDER_F);
    private static final FloatVector MINUS_LN2_HI = bc(MINUS_LN2_HI_F);
    private static final FloatVector MINUS_LN2_LO = bc(MINUS_LN2_LO_F);
    /** exp overflows above 88.72 and is below half the smallest denormal under -103.97. */
    private static final float EXP_HI = 89f;
    private static final float EXP_LO = -104f;
    /** expShiftedSum's range, where 2^k is a normal float: below it the result is 0, above it +inf. */
    private static final float SHIFTED_LO = -87.33f;
    private static final float SHIFTED_HI = 88.37f;
    /** ROUNDER plus the exponent bias 127: the low bits of a·log2(e) + this are k + 127, 2^k's exponent field. */
    private static final float BIASED_ROUNDER_F = ROUNDER_F + 127f;

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

    /**
     * {@code out[o + i] = exp(x[xo + i] - shift)} for {@code i < len} ({@code out} may be {@code x}), returning
     * their sum: whole vectors added lane by lane, the lanes folded as {@link VectorMath#sumLanes} does, then the
     * tail in order by the scalar twin {@link #expShifted(float, float)}. The softmax's second pass.
     *
     * <p>Made for arguments {@code x - shift <= 0} (the softmax shifts by the row's maximum): results below the
     * smallest normal float ({@code x - shift < -87.33}) are 0 rather than denormals, and above 88.37 (never
     * passed; exp overflows at 88.72) +inf. That lets 2^k be built in one step, from the rounding sum's bits,
     * where {@link #exp(FloatVector)} needs two to reach the denormals: the pass is 25% faster (64 rows of 128
     * scores, 1 thread: 4.0 → 3.0 µs). A softmax output is a probability; below 1.2e-38 the difference is
     * nothing any sum or product downstream can see, and masked positions (-inf) still give exactly 0.
     *
     * <p>The polynomial steps are those of {@link #exp(FloatVector)}, written out in the loop, and the method is
     * meant to be compiled on its own, which its size (over C2's 325-byte limit for inlining hot methods) ensures.
     * Inlined into the softmax row kernel, it made that compilation big enough for C2 to inline the last vector
     * operations late; on JDK 17 they then lost their exact vector type and every vector of the loop was boxed
     * (gigabytes per second of garbage) in one JVM run out of three. A helper taking a
     * vector argument fails the same way when it is not inlined, so none crosses this call.
     *
     * <p>The constants are broadcast into locals before the loop rather than read from static vectors, which C2
     * loads again in every iteration: this pass ran 1.46× faster (64 rows of 128 scores in L1, one thread: 60 → 41
     * ns a row), the whole softmax row 1.09× (98 → 89 ns), with the same bits. The broadcasts cost the
     * compilation little of that budget (about 67 bytes of inlined Vector API code each, against about 400 per
     * vector operation, 15 of them against the loop's 22 operations); GELU's loops, twice as long, could not
     * afford theirs (README, JDK 17 and the Vector API).
     */
    static float expShiftedSum(float[] x, int xo, float shift, float[] out, int o, int len) {
        int full = SPECIES.loopBound(len);
        FloatVector vs = FloatVector.broadcast(SPECIES, shift);
        FloatVector log2e = FloatVector.broadcast(SPECIES, LOG2E_F);
        FloatVector rounder = FloatVector.broadcast(SPECIES, BIASED_ROUNDER_F);
        FloatVector minusLn2Hi = FloatVector.broadcast(SPECIES, MINUS_LN2_HI_F);
        FloatVector minusLn2Lo = FloatVector.broadcast(SPECIES, MINUS_LN2_LO_F);
        FloatVector e0 = FloatVector.broadcast(SPECIES, E0_F);
        FloatVector e1 = FloatVector.broadcast(SPECIES, E1_F);
        FloatVector e2 = FloatVector.broadcast(SPECIES, E2_F);
        FloatVector e3 = FloatVector.broadcast(SPECIES, E3_F);
        FloatVector e4 = FloatVector.broadcast(SPECIES, E4_F);
        FloatVector e5 = FloatVector.broadcast(SPECIES, E5_F);
        FloatVector one = FloatVector.broadcast(SPECIES, 1f);
        FloatVector zero = FloatVector.zero(SPECIES);
        FloatVector infinity = FloatVector.broadcast(SPECIES, Float.POSITIVE_INFINITY);
        FloatVector lo = FloatVector.broadcast(SPECIES, SHIFTED_LO);
        FloatVector hi = FloatVector.broadcast(SPECIES, SHIFTED_HI);
        FloatVector acc = zero;
        for (int i = 0; i < full; i += SPECIES.length()) {
            FloatVector v = FloatVector.fromArray(SPECIES, x, xo + i).sub(vs);
            FloatVector t = v.fma(log2e, rounder);
            FloatVector k = t.sub(rounder);
            FloatVector r = k.fma(minusLn2Lo, k.fma(minusLn2Hi, v));
            FloatVector p = r.fma(e0, e1).fma(r, e2).fma(r, e3).fma(r, e4).fma(r, e5);
            FloatVector er = p.fma(r.mul(r), r).add(one);
            FloatVector scale = t.reinterpretAsInts().lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            // Outside [SHIFTED_LO, SHIFTED_HI] the steps above give garbage, replaced here. Blends, not a clamp
            // of v first: C2 makes each Java-semantics min/max several instructions (the pass ran 28% slower).
            FloatVector e = er.mul(scale)
                    .blend(zero, v.compare(VectorOperators.LT, lo))
                    .blend(infinity, v.compare(VectorOperators.GT, hi));
            acc = acc.add(e);
            e.intoArray(out, o + i);
        }
        float sum;
        if (VectorMath.LANES == 16) {
            sum = VectorMath.foldSixteen(acc.lane(0), acc.lane(1), acc.lane(2), acc.lane(3), acc.lane(4),
                    acc.lane(5), acc.lane(6), acc.lane(7), acc.lane(8), acc.lane(9), acc.lane(10), acc.lane(11),
                    acc.lane(12), acc.lane(13), acc.lane(14), acc.lane(15));
        } else {
            float[] lanes = VectorMath.scratch();
            acc.intoArray(lanes, 0);
            sum = VectorMath.sumLanes(lanes);
        }
        for (int i = full; i < len; i++) {
            float e = expShifted(x[xo + i], shift);
            sum += e;
            out[o + i] = e;
        }
        return sum;
    }

    /**
     * One lane of {@link #expShiftedSum}: {@code exp(x - shift)} by the same float operations in the same order, so
     * a row's tail gets the bits its vector lanes would (fma, the comparisons and the bit steps are exactly the
     * vector lanes' operations).
     */
    static float expShifted(float x, float shift) {
        float v = x - shift;
        float t = Math.fma(v, LOG2E_F, BIASED_ROUNDER_F);
        float k = t - BIASED_ROUNDER_F;
        float r = Math.fma(k, MINUS_LN2_LO_F, Math.fma(k, MINUS_LN2_HI_F, v));
        float p = Math.fma(r, E0_F, E1_F);
        p = Math.fma(p, r, E2_F);
        p = Math.fma(p, r, E3_F);
        p = Math.fma(p, r, E4_F);
        p = Math.fma(p, r, E5_F);
        float er = Math.fma(p, r * r, r) + 1f;
        float e = er * Float.intBitsToFloat(Float.floatToRawIntBits(t) << 23);
        return v < SHIFTED_LO ? 0f : v > SHIFTED_HI ? Float.POSITIVE_INFINITY : e;
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
