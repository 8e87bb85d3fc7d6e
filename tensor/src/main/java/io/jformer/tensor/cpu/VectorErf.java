package io.jformer.tensor.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import static io.jformer.tensor.cpu.VectorMath.SPECIES;

/**
 * The normal distribution's tail, exact GELU and its derivative on float vectors, accurate to a few float
 * ulps in <em>relative</em> terms over the whole range (the negative tail included, where {@code 1 + erf}
 * would cancel).
 *
 * <p>Everything rests on the lower tail {@code h(u) = Φ(-u) = ½·erfc(u/√2)} for {@code u = |x|}, written as
 * {@code h(u) = exp(-u²/2) · S(u)} with {@code S(u) = ½·erfcx(u/√2)} smooth and slowly varying (½ at 0,
 * {@code ~1/(u√(2π))} for large u). {@code S} is a rational function P₄(u)/Q₅(u) with positive coefficients,
 * fitted to minimise relative error on [0, 13.3] (linearised least squares with Lawson reweighting,
 * then the float coefficients nudged by a few ulps against float evaluation): 8e-8 in exact arithmetic,
 * about 3e-7 evaluated in float. {@code exp(-u²/2)} is taken as {@code exp(-hi/2)·(1 - lo/2)} with
 * {@code u² = hi + lo} split by an FMA, so the exponent's rounding (which would cost {@code u²·2⁻²⁴},
 * 3e-6 at u = 10) does not enter. Then {@code Φ(x) = h} for x &lt; 0 and {@code 1 - h} otherwise.
 *
 * <p>Measured on every 13th float in [-14.5, 14.5] against an accurate double reference (Cody's erf;
 * erfc by continued fraction in the tail): GELU relative error ≤ 4.6e-7 (≤ 6.7 ulp) wherever |GELU| is
 * above 1e-37; GELU' error ≤ 3e-7 of {@code |Φ(x)| + |x·φ(x)|} (the terms cancel near x = -0.75, so the
 * bound is against their size). For |x| ≥ 13.24 the factor {@code exp(-x²/2)} is flushed to zero (true
 * values are below 2⁻¹²⁶), so {@code gelu(-inf)} is NaN like the scalar definition ({@code -inf · 0}) and
 * {@code gelu(-1e30)} is -0.
 *
 * <p>Only adds, multiplies, FMAs, compares, blends and bit operations are used: every lane is computed
 * the same way (no dependence on lane position or masking), identically in the interpreter and under C2,
 * and on every JVM, unlike {@code VectorOperators.EXP}, whose result depends on which math stub runs.
 */
final class VectorErf {

    private VectorErf() {
    }

    /** Beyond this |x|, exp(-x²/2) is flushed to zero (the scaled exponent reaches 2⁻¹²⁷ = 0). */
    private static final float U_MAX = 13.265f;
    private static final float INV_SQRT_2PI = 0.3989422804014327f;

    private static final FloatVector P0 = bc(0.5f);
    private static final FloatVector P1 = bc(0.42009973526000977f);
    private static final FloatVector P2 = bc(0.16987279057502747f);
    private static final FloatVector P3 = bc(0.03615980222821236f);
    private static final FloatVector P4 = bc(0.0034600081853568554f);
    private static final FloatVector Q0 = bc(1.0f);
    private static final FloatVector Q1 = bc(1.6380842924118042f);
    private static final FloatVector Q2 = bc(1.1467467546463013f);
    private static final FloatVector Q3 = bc(0.43421587347984314f);
    private static final FloatVector Q4 = bc(0.09065262228250504f);
    private static final FloatVector Q5 = bc(0.008672656491398811f);

    // exp(r) on |r| ≤ ln2/2: 1 + r + r²·E(r) (Cephes expf), 1 ulp.
    private static final FloatVector E0 = bc(1.9875691500e-4f);
    private static final FloatVector E1 = bc(1.3981999507e-3f);
    private static final FloatVector E2 = bc(8.3334519073e-3f);
    private static final FloatVector E3 = bc(4.1665795894e-2f);
    private static final FloatVector E4 = bc(1.6666665459e-1f);
    private static final FloatVector E5 = bc(5.0000001201e-1f);
    private static final FloatVector LOG2E = bc(1.44269504088896341f);
    /**
     * 1.5·2²³ + 127: adding it rounds to an integer held in the low mantissa bits, already carrying the
     * exponent bias, so that the low nine bits shifted into the exponent field are 2^k's.
     */
    private static final FloatVector ROUNDER = bc(12583039f);
    private static final FloatVector MINUS_LN2_HI = bc(-0.693359375f);
    private static final FloatVector MINUS_LN2_LO = bc(2.12194440e-4f);
    private static final FloatVector U_MAX_V = bc(U_MAX);
    private static final FloatVector ONE = bc(1f);
    private static final FloatVector ZERO = bc(0f);
    private static final FloatVector MINUS_HALF = bc(-0.5f);
    private static final FloatVector INV_SQRT_2PI_V = bc(INV_SQRT_2PI);

    private static FloatVector bc(float v) {
        return FloatVector.broadcast(SPECIES, v);
    }

    /**
     * Exact GELU, {@code out = x·Φ(x)}, over {@code n} elements, {@code n} a multiple of the vector length.
     *
     * <p>The whole computation is written out inside the loop, here and in {@link #geluBackward}, on purpose. A
     * helper that takes or returns a vector is compiled on its own once it is hot, and C2 then refuses to inline
     * it ("already compiled into a big method"): every vector crossing that call is boxed on the heap, and GELU
     * ran at a third of its speed inside the trainer while a benchmark of it alone was fine. One loop for both
     * directions behind a flag was no better: inside the trainer C2 failed to intrinsify its store.
     *
     * <p>The loop is also kept short in bytecode. Every vector operation inlines a few hundred bytes of the
     * Vector API, and once a compilation passes C2's inlining budget the remaining calls are inlined late: their
     * results lose their exact vector class, the last operations are dispatched on a type profile, and on JDK
     * 17 the store then failed to intrinsify ({@code -XX:+PrintIntrinsics}: "missing constant: vclass=DecodeN"),
     * boxing every vector of the loop (~250 MB/s of garbage, GELU at a third of its speed). Hence constants
     * as vectors rather than scalar operands (each scalar operand inlines a broadcast), {@code min} for the
     * clamp, the bias folded into {@link #ROUNDER}, and the gradient loaded before the long computation.
     */
    static void gelu(float[] x, int xo, float[] out, int o, int n) {
        for (int i = 0; i < n; i += SPECIES.length()) {
            FloatVector v = FloatVector.fromArray(SPECIES, x, xo + i);
            // u = |x| limited to U_MAX (NaN stays NaN)
            FloatVector u = v.abs().min(U_MAX_V);
            // e = exp(-u²/2), with u² = hi + lo split by an FMA so the exponent's rounding does not enter
            // (halved throughout: scaling by -1/2 is exact)
            FloatVector w = u.mul(MINUS_HALF); // -u/2, exact
            FloatVector a = u.mul(w); // -hi/2: in [-87.98, 0]
            FloatVector halfLo = u.fma(w, a.neg()); // -lo/2, exactly
            FloatVector t = a.fma(LOG2E, ROUNDER);
            FloatVector k = t.sub(ROUNDER); // round(a·log2 e), in [-127, 0]
            FloatVector r = k.fma(MINUS_LN2_LO, k.fma(MINUS_LN2_HI, a));
            FloatVector p = r.fma(E0, E1).fma(r, E2).fma(r, E3).fma(r, E4).fma(r, E5);
            FloatVector er = p.fma(r.mul(r), r).add(ONE);
            // 2^k from the rounded integer in t's low bits: bits(t) << 23 leaves k + 127, the biased exponent;
            // k = -127 gives the bit pattern of +0.
            FloatVector scale = t.reinterpretAsInts().lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            FloatVector e = er.mul(scale);
            e = e.fma(halfLo, e); // · exp(-lo/2)
            // h = Φ(-u) = e · S(u)
            FloatVector num = u.fma(P4, P3).fma(u, P2).fma(u, P1).fma(u, P0);
            FloatVector den = u.fma(Q5, Q4).fma(u, Q3).fma(u, Q2).fma(u, Q1).fma(u, Q0);
            FloatVector h = e.mul(num.div(den));
            FloatVector cdf = ONE.sub(h).blend(h, v.compare(VectorOperators.LT, ZERO));
            v.mul(cdf).intoArray(out, o + i);
        }
    }

    /** {@code out = dy·GELU'(x) = dy·(Φ(x) + x·φ(x))}, as {@link #gelu} (the same steps, then the derivative). */
    static void geluBackward(float[] x, int xo, float[] dy, int go, float[] out, int o, int n) {
        for (int i = 0; i < n; i += SPECIES.length()) {
            FloatVector v = FloatVector.fromArray(SPECIES, x, xo + i);
            FloatVector g = FloatVector.fromArray(SPECIES, dy, go + i);
            // u = |x| limited to U_MAX (NaN stays NaN)
            FloatVector u = v.abs().min(U_MAX_V);
            // e = exp(-u²/2), with u² = hi + lo split by an FMA so the exponent's rounding does not enter
            // (halved throughout: scaling by -1/2 is exact)
            FloatVector w = u.mul(MINUS_HALF); // -u/2, exact
            FloatVector a = u.mul(w); // -hi/2: in [-87.98, 0]
            FloatVector halfLo = u.fma(w, a.neg()); // -lo/2, exactly
            FloatVector t = a.fma(LOG2E, ROUNDER);
            FloatVector k = t.sub(ROUNDER); // round(a·log2 e), in [-127, 0]
            FloatVector r = k.fma(MINUS_LN2_LO, k.fma(MINUS_LN2_HI, a));
            FloatVector p = r.fma(E0, E1).fma(r, E2).fma(r, E3).fma(r, E4).fma(r, E5);
            FloatVector er = p.fma(r.mul(r), r).add(ONE);
            // 2^k from the rounded integer in t's low bits: bits(t) << 23 leaves k + 127, the biased exponent;
            // k = -127 gives the bit pattern of +0.
            FloatVector scale = t.reinterpretAsInts().lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            FloatVector e = er.mul(scale);
            e = e.fma(halfLo, e); // · exp(-lo/2)
            // h = Φ(-u) = e · S(u)
            FloatVector num = u.fma(P4, P3).fma(u, P2).fma(u, P1).fma(u, P0);
            FloatVector den = u.fma(Q5, Q4).fma(u, Q3).fma(u, Q2).fma(u, Q1).fma(u, Q0);
            FloatVector h = e.mul(num.div(den));
            FloatVector cdf = ONE.sub(h).blend(h, v.compare(VectorOperators.LT, ZERO));
            FloatVector d = v.fma(e.mul(INV_SQRT_2PI_V), cdf);
            g.mul(d).intoArray(out, o + i);
        }
    }
}
