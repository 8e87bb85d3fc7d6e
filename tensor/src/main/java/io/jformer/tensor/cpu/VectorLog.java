package io.jformer.tensor.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

import static io.jformer.tensor.cpu.VectorMath.SPECIES;

/**
 * The natural logarithm on float vectors from adds, multiplies, FMAs, compares, blends and bit operations only
 * (Cephes {@code logf}: {@code x = m·2^e} with {@code m} in [√½, √2), {@code log(m)} as {@code f - f²/2 + f³·P(f)}
 * for {@code f = m - 1}: within 0.75 ulp of the exact value on every 997th positive float, denormals included,
 * against {@code Math.log} in double), so it gives the same bits interpreted and compiled, like {@link VectorExp}
 * ({@code VectorLogTest} holds every lane to these steps done one float at a time).
 * {@code VectorOperators.LOG} does not: on JDK 17 it computes {@code Math.log} per lane until C2 compiles the loop
 * and an SVML stub afterwards, and the two differ in the last bit, so one thread of a parallel op could round
 * differently from another ({@code ElementwiseKernelsTest.resultsDoNotDependOnThreadCount} failed so in CI).
 * Special values as {@code Math.log}: NaN and negatives give NaN, ±0 gives -inf, +inf gives +inf; denormals are
 * scaled into the normal range first.
 */
final class VectorLog {

    private VectorLog() {
    }

    private static final FloatVector P0 = bc(7.0376836292e-2f);
    private static final FloatVector P1 = bc(-1.1514610310e-1f);
    private static final FloatVector P2 = bc(1.1676998740e-1f);
    private static final FloatVector P3 = bc(-1.2420140846e-1f);
    private static final FloatVector P4 = bc(1.4249322787e-1f);
    private static final FloatVector P5 = bc(-1.6668057665e-1f);
    private static final FloatVector P6 = bc(2.0000714765e-1f);
    private static final FloatVector P7 = bc(-2.4999993993e-1f);
    private static final FloatVector P8 = bc(3.3333331174e-1f);
    private static final FloatVector LN2_HI = bc(0.693359375f);
    private static final FloatVector LN2_LO = bc(-2.12194440e-4f);
    private static final FloatVector SQRT_HALF = bc(0.707106781186547524f);
    private static final FloatVector MIN_NORMAL = bc(Float.MIN_NORMAL);
    /** 2^23: a denormal times this is normal, exactly. */
    private static final FloatVector TWO_23 = bc(8388608f);
    private static final FloatVector ONE = bc(1f);
    private static final FloatVector ZERO = bc(0f);
    private static final FloatVector MINUS_HALF = bc(-0.5f);
    private static final FloatVector NAN = bc(Float.NaN);
    private static final FloatVector INFINITY = bc(Float.POSITIVE_INFINITY);
    private static final FloatVector MINUS_INFINITY = bc(Float.NEGATIVE_INFINITY);

    private static FloatVector bc(float v) {
        return FloatVector.broadcast(SPECIES, v);
    }

    /** log(x) per lane; the special values as {@link Math#log}. */
    static FloatVector log(FloatVector x) {
        VectorMask<Float> tiny = x.compare(VectorOperators.LT, MIN_NORMAL);
        FloatVector a = x.blend(x.mul(TWO_23), tiny);
        IntVector bits = a.reinterpretAsInts();
        // a = m·2^e with m in [0.5, 1): the exponent field less 126, and the mantissa under 0.5's exponent
        FloatVector e = bits.lanewise(VectorOperators.LSHR, 23).sub(126).convert(VectorOperators.I2F, 0)
                .reinterpretAsFloats();
        e = e.blend(e.sub(23f), tiny);
        FloatVector m = bits.and(0x007fffff).or(0x3f000000).reinterpretAsFloats();
        // m in [√½, √2): below √½ double it (exactly) and take one from the exponent
        VectorMask<Float> low = m.compare(VectorOperators.LT, SQRT_HALF);
        FloatVector f = m.add(m.blend(ZERO, low.not())).sub(ONE);
        e = e.blend(e.sub(ONE), low);
        FloatVector z = f.mul(f);
        FloatVector p = f.fma(P0, P1).fma(f, P2).fma(f, P3).fma(f, P4).fma(f, P5).fma(f, P6).fma(f, P7).fma(f, P8);
        FloatVector y = p.mul(f).mul(z);
        y = e.fma(LN2_LO, y);
        y = z.fma(MINUS_HALF, y);
        FloatVector r = f.add(y);
        r = e.fma(LN2_HI, r);
        return r.blend(MINUS_INFINITY, x.compare(VectorOperators.EQ, ZERO))
                .blend(INFINITY, x.compare(VectorOperators.EQ, INFINITY))
                .blend(NAN, x.compare(VectorOperators.LT, ZERO).or(x.test(VectorOperators.IS_NAN)));
    }
}
