package io.jformer.tensor.cpu;

import io.jformer.tensor.BinaryOp;
import io.jformer.tensor.CompareOp;
import io.jformer.tensor.UnaryOp;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import static io.jformer.tensor.cpu.VectorMath.LANES;
import static io.jformer.tensor.cpu.VectorMath.SPECIES;

/**
 * Row kernels for elementwise ops. Operand 0 is always the contiguous output (row stride 1); inputs have
 * row stride 1 (contiguous) or 0 (broadcast) on the vector path, anything else on the scalar path.
 *
 * <p>Vector loops step over whole vectors; the last, partial one is copied into a zero-padded buffer,
 * computed as a whole vector and copied back. So every element goes through the same lanewise arithmetic
 * wherever a thread's range starts (results do not depend on the thread count), and each loop has a
 * single call site per vector function, which C2 inlines (a vector passed to a call that is not inlined
 * is boxed on the heap). Masked loads and stores every iteration cost about 3× on JDK 17.
 */
final class ElementwiseKernels {

    private ElementwiseKernels() {
    }

    private static final FloatVector ONE = FloatVector.broadcast(SPECIES, 1f);
    private static final FloatVector ZERO = FloatVector.zero(SPECIES);
    private static final float SQRT_2_OVER_PI = (float) Math.sqrt(2.0 / Math.PI);
    private static final float GELU_TANH_CUBIC = 0.044715f;

    /** {@code src[off, off + n)} in a fresh zero-padded vector-sized buffer ({@code n < LANES}). */
    private static float[] padded(float[] src, int off, int n) {
        float[] buf = new float[LANES];
        System.arraycopy(src, off, buf, 0, n);
        return buf;
    }

    static void binaryRow(BinaryOp op, float[] out, float[] a, float[] b, int[] off, int len, int[] st) {
        int o = off[0];
        int ao = off[1];
        int bo = off[2];
        int sa = st[1];
        int sb = st[2];
        if (op == BinaryOp.POW || sa > 1 || sb > 1 || (sa == 0 && sb == 0) || st[0] != 1) {
            for (int i = 0; i < len; i++) {
                out[o + i] = op.apply(a[ao + i * sa], b[bo + i * sb]);
            }
            return;
        }
        FloatVector aConst = FloatVector.broadcast(SPECIES, a[ao]);
        FloatVector bConst = FloatVector.broadcast(SPECIES, b[bo]);
        for (int i = 0; i < len; i += LANES) {
            int n = Math.min(LANES, len - i);
            float[] as = a;
            float[] bs = b;
            float[] os = out;
            int ai = ao + i;
            int bi = bo + i;
            int oi = o + i;
            if (n < LANES) {
                as = sa == 0 ? a : padded(a, ai, n);
                bs = sb == 0 ? b : padded(b, bi, n);
                os = new float[LANES];
                ai = sa == 0 ? ai : 0;
                bi = sb == 0 ? bi : 0;
                oi = 0;
            }
            FloatVector va = sa == 0 ? aConst : FloatVector.fromArray(SPECIES, as, ai);
            FloatVector vb = sb == 0 ? bConst : FloatVector.fromArray(SPECIES, bs, bi);
            FloatVector r = switch (op) {
                case ADD -> va.add(vb);
                case SUB -> va.sub(vb);
                case MUL -> va.mul(vb);
                case DIV -> va.div(vb);
                case MAXIMUM -> va.max(vb);
                case MINIMUM -> va.min(vb);
                case POW -> throw new AssertionError("pow takes the scalar path");
            };
            r.intoArray(os, oi);
            if (n < LANES) {
                System.arraycopy(os, 0, out, o + i, n);
            }
        }
    }

    static void unaryRow(UnaryOp op, float[] out, float[] x, int[] off, int len, int[] st) {
        int o = off[0];
        int xo = off[1];
        int sx = st[1];
        if (sx != 1 || st[0] != 1) {
            for (int i = 0; i < len; i++) {
                out[o + i] = op.apply(x[xo + i * sx]);
            }
            return;
        }
        unaryRun(op, out, o, x, xo, len);
    }

    /**
     * {@code out[o + i] = op(x[xo + i])} for {@code i < len}, both runs contiguous; {@code out} may be {@code x}
     * at the same offset. Each element's value depends on nothing but its input, so any way of cutting a tensor
     * into runs gives the same bits. The whole vectors are computed in place; the ragged tail, once, in a
     * zero-padded copy by the same loop.
     */
    static void unaryRun(UnaryOp op, float[] out, int o, float[] x, int xo, int len) {
        int full = len / LANES * LANES;
        wholeVectors(op, out, o, x, xo, full);
        if (full < len) {
            float[] buf = padded(x, xo + full, len - full);
            wholeVectors(op, buf, 0, buf, 0, LANES);
            System.arraycopy(buf, 0, out, o + full, len - full);
        }
    }

    /** {@link #unaryRun} over {@code len} elements, a multiple of {@code LANES}. */
    private static void wholeVectors(UnaryOp op, float[] out, int o, float[] x, int xo, int len) {
        switch (op) {
            case GELU -> VectorErf.gelu(x, xo, out, o, len); // exact GELU, x·Φ(x) (accuracy: VectorErf)
            case GELU_TANH -> geluTanhRow(out, o, x, xo, len);
            case EXP -> expRow(out, o, x, xo, len);
            case LOG -> logRow(out, o, x, xo, len);
            case SIGMOID -> sigmoidRow(out, o, x, xo, len);
            case TANH -> tanhRow(out, o, x, xo, len);
            default -> simpleRow(op, out, o, x, xo, len);
        }
    }

    /** The ops of a few vector instructions (the others have a loop each, to keep C2 inlining them all). */
    private static void simpleRow(UnaryOp op, float[] out, int o, float[] x, int xo, int len) {
        for (int i = 0; i < len; i += LANES) {
            FloatVector v = FloatVector.fromArray(SPECIES, x, xo + i);
            FloatVector r = switch (op) {
                case NEG -> v.neg();
                case ABS -> v.abs();
                case SQRT -> v.sqrt();
                case RSQRT -> ONE.div(v.sqrt());
                // x > 0 ? x : 0 as the scalar definition has it (NaN gives 0, where max would keep NaN)
                case RELU -> v.blend(ZERO, v.compare(VectorOperators.LE, 0f)); // NaN stays NaN
                case SQUARE -> v.mul(v);
                case EXP, LOG, TANH, SIGMOID, GELU, GELU_TANH -> throw new AssertionError(op + " has its own loop");
            };
            r.intoArray(out, o + i);
        }
    }

    /** GELU_TANH over whole vectors. */
    private static void geluTanhRow(float[] out, int o, float[] x, int xo, int len) {
        for (int i = 0; i < len; i += LANES) {
            geluTanh(FloatVector.fromArray(SPECIES, x, xo + i)).intoArray(out, o + i);
        }
    }

    /** EXP over whole vectors. */
    private static void expRow(float[] out, int o, float[] x, int xo, int len) {
        for (int i = 0; i < len; i += LANES) {
            VectorExp.exp(FloatVector.fromArray(SPECIES, x, xo + i)).intoArray(out, o + i);
        }
    }

    /** LOG over whole vectors (see {@link VectorLog} for why not the JDK's vector log). */
    private static void logRow(float[] out, int o, float[] x, int xo, int len) {
        for (int i = 0; i < len; i += LANES) {
            VectorLog.log(FloatVector.fromArray(SPECIES, x, xo + i)).intoArray(out, o + i);
        }
    }

    /** SIGMOID, 1/(1 + e^-x), over whole vectors. */
    private static void sigmoidRow(float[] out, int o, float[] x, int xo, int len) {
        for (int i = 0; i < len; i += LANES) {
            FloatVector v = FloatVector.fromArray(SPECIES, x, xo + i);
            ONE.div(VectorExp.exp(v.neg()).add(1f)).intoArray(out, o + i);
        }
    }

    /** TANH over whole vectors. */
    private static void tanhRow(float[] out, int o, float[] x, int xo, int len) {
        for (int i = 0; i < len; i += LANES) {
            VectorExp.tanh(FloatVector.fromArray(SPECIES, x, xo + i)).intoArray(out, o + i);
        }
    }

    private static FloatVector geluTanh(FloatVector x) {
        FloatVector inner = x.mul(x).mul(x).mul(GELU_TANH_CUBIC).add(x).mul(SQRT_2_OVER_PI);
        return VectorExp.tanh(inner).add(1f).mul(x).mul(0.5f);
    }

    /**
     * {@code out = op.derivative(x, y, dy)}. When all four operands are contiguous along the row the
     * vector path runs. It writes each op's float expression as {@link UnaryOp#derivative} does (same
     * operations in the same order, so the same bits), except GELU and GELU_TANH, which the scalar
     * definition evaluates in double: there the error is the vector functions' ({@link VectorErf},
     * {@link VectorExp}).
     */
    static void unaryBackwardRow(UnaryOp op, float[] out, float[] x, float[] y, float[] dy, int[] off, int len,
                                 int[] st) {
        if (st[0] != 1 || st[1] != 1 || st[2] != 1 || st[3] != 1) {
            for (int i = 0; i < len; i++) {
                out[off[0] + i] = op.derivative(x[off[1] + i * st[1]], y[off[2] + i * st[2]],
                        dy[off[3] + i * st[3]]);
            }
            return;
        }
        int o = off[0];
        int xo = off[1];
        int yo = off[2];
        int go = off[3];
        switch (op) {
            case GELU -> geluBackwardRow(out, o, x, xo, dy, go, len);
            case GELU_TANH -> geluTanhBackwardRow(out, o, x, xo, dy, go, len);
            default -> simpleBackwardRow(op, out, o, x, xo, y, yo, dy, go, len);
        }
    }

    private static void simpleBackwardRow(UnaryOp op, float[] out, int o, float[] x, int xo, float[] y, int yo,
                                          float[] dy, int go, int len) {
        for (int i = 0; i < len; i += LANES) {
            int n = Math.min(LANES, len - i);
            float[] xs = x;
            float[] ys = y;
            float[] gs = dy;
            float[] os = out;
            int xi = xo + i;
            int yi = yo + i;
            int gi = go + i;
            int oi = o + i;
            if (n < LANES) {
                xs = padded(x, xi, n);
                ys = padded(y, yi, n);
                gs = os = padded(dy, gi, n);
                xi = yi = gi = oi = 0;
            }
            FloatVector vx = FloatVector.fromArray(SPECIES, xs, xi);
            FloatVector vy = FloatVector.fromArray(SPECIES, ys, yi);
            FloatVector g = FloatVector.fromArray(SPECIES, gs, gi);
            FloatVector r = switch (op) {
                case NEG -> g.neg();
                case ABS -> ZERO.blend(g, vx.compare(VectorOperators.GT, 0f))
                        .blend(g.neg(), vx.compare(VectorOperators.LT, 0f));
                case EXP -> g.mul(vy);
                case LOG -> g.div(vx);
                case SQRT -> g.mul(0.5f).div(vy);
                case RSQRT -> g.mul(-0.5f).mul(vy).mul(vy).mul(vy);
                case TANH -> g.mul(ONE.sub(vy.mul(vy)));
                case SIGMOID -> g.mul(vy).mul(ONE.sub(vy));
                case RELU -> ZERO.blend(g, vx.compare(VectorOperators.GT, 0f));
                case SQUARE -> g.mul(2f).mul(vx);
                case GELU, GELU_TANH -> throw new AssertionError(op + " has its own loop");
            };
            r.intoArray(os, oi);
            if (n < LANES) {
                System.arraycopy(os, 0, out, o + i, n);
            }
        }
    }

    private static void geluBackwardRow(float[] out, int o, float[] x, int xo, float[] dy, int go, int len) {
        int full = len / LANES * LANES;
        VectorErf.geluBackward(x, xo, dy, go, out, o, full);
        if (full < len) {
            float[] xs = padded(x, xo + full, len - full);
            float[] gs = padded(dy, go + full, len - full);
            VectorErf.geluBackward(xs, 0, gs, 0, gs, 0, LANES);
            System.arraycopy(gs, 0, out, o + full, len - full);
        }
    }

    private static void geluTanhBackwardRow(float[] out, int o, float[] x, int xo, float[] dy, int go, int len) {
        for (int i = 0; i < len; i += LANES) {
            int n = Math.min(LANES, len - i);
            float[] xs = x;
            float[] gs = dy;
            float[] os = out;
            int xi = xo + i;
            int gi = go + i;
            int oi = o + i;
            if (n < LANES) {
                xs = padded(x, xi, n);
                gs = os = padded(dy, gi, n);
                xi = gi = oi = 0;
            }
            FloatVector g = FloatVector.fromArray(SPECIES, gs, gi);
            g.mul(geluTanhDerivative(FloatVector.fromArray(SPECIES, xs, xi))).intoArray(os, oi);
            if (n < LANES) {
                System.arraycopy(os, 0, out, o + i, n);
            }
        }
    }

    /** d/dx of ½x(1 + tanh(c(x + 0.044715x³))): ½(1 + t) + ½x(1 - t²)·c(1 + 3·0.044715x²). */
    private static FloatVector geluTanhDerivative(FloatVector x) {
        FloatVector x2 = x.mul(x);
        FloatVector inner = x2.mul(GELU_TANH_CUBIC).mul(x).add(x).mul(SQRT_2_OVER_PI);
        FloatVector t = VectorExp.tanh(inner);
        FloatVector dInner = x2.mul(3 * GELU_TANH_CUBIC).add(1f).mul(SQRT_2_OVER_PI);
        FloatVector sech2 = t.neg().fma(t, ONE);
        return t.add(1f).mul(0.5f).add(x.mul(0.5f).mul(sech2).mul(dInner));
    }

    static void compareRow(CompareOp op, float[] out, float[] a, float[] b, int[] off, int len, int[] st) {
        for (int i = 0; i < len; i++) {
            out[off[0] + i] = op.test(a[off[1] + i * st[1]], b[off[2] + i * st[2]]) ? 1f : 0f;
        }
    }

    static void whereRow(float[] out, float[] c, float[] a, float[] b, int[] off, int len, int[] st) {
        for (int i = 0; i < len; i++) {
            out[off[0] + i] = c[off[1] + i * st[1]] != 0f ? a[off[2] + i * st[2]] : b[off[3] + i * st[3]];
        }
    }
}
