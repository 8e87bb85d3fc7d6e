package io.jformer.tensor.cpu;

import io.jformer.tensor.BinaryOp;
import io.jformer.tensor.CompareOp;
import io.jformer.tensor.UnaryOp;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

import static io.jformer.tensor.cpu.VectorMath.LANES;
import static io.jformer.tensor.cpu.VectorMath.SPECIES;

/**
 * Row kernels for elementwise ops. Operand 0 is always the contiguous output (row stride 1); inputs have
 * row stride 1 (contiguous) or 0 (broadcast) on the vector path, anything else on the scalar path.
 * Tails use masked vectors, so an element's value never depends on where a thread's range starts.
 */
final class ElementwiseKernels {

    private ElementwiseKernels() {
    }

    static void binaryRow(BinaryOp op, float[] out, float[] a, float[] b, int[] off, int len, int[] st) {
        int o = off[0];
        int ao = off[1];
        int bo = off[2];
        int sa = st[1];
        int sb = st[2];
        if (op == BinaryOp.POW || sa > 1 || sb > 1 || (sa == 0 && sb == 0)) {
            for (int i = 0; i < len; i++) {
                out[o + i] = op.apply(a[ao + i * sa], b[bo + i * sb]);
            }
            return;
        }
        FloatVector aConst = FloatVector.broadcast(SPECIES, a[ao]);
        FloatVector bConst = FloatVector.broadcast(SPECIES, b[bo]);
        for (int i = 0; i < len; i += LANES) {
            VectorMask<Float> m = SPECIES.indexInRange(i, len);
            FloatVector va = sa == 0 ? aConst : FloatVector.fromArray(SPECIES, a, ao + i, m);
            FloatVector vb = sb == 0 ? bConst : FloatVector.fromArray(SPECIES, b, bo + i, m);
            FloatVector r = switch (op) {
                case ADD -> va.add(vb);
                case SUB -> va.sub(vb);
                case MUL -> va.mul(vb);
                case DIV -> va.div(vb);
                case MAXIMUM -> va.max(vb);
                case MINIMUM -> va.min(vb);
                case POW -> throw new AssertionError("pow takes the scalar path");
            };
            r.intoArray(out, o + i, m);
        }
    }

    static void unaryRow(UnaryOp op, float[] out, float[] x, int[] off, int len, int[] st) {
        int o = off[0];
        int xo = off[1];
        int sx = st[1];
        if (sx != 1 || op == UnaryOp.GELU) {
            for (int i = 0; i < len; i++) {
                out[o + i] = op.apply(x[xo + i * sx]);
            }
            return;
        }
        for (int i = 0; i < len; i += LANES) {
            VectorMask<Float> m = SPECIES.indexInRange(i, len);
            FloatVector v = FloatVector.fromArray(SPECIES, x, xo + i, m);
            FloatVector r = switch (op) {
                case NEG -> v.neg();
                case ABS -> v.abs();
                case EXP -> v.lanewise(VectorOperators.EXP);
                case LOG -> v.lanewise(VectorOperators.LOG);
                case SQRT -> v.sqrt();
                case RSQRT -> ONE.div(v.sqrt());
                case TANH -> v.lanewise(VectorOperators.TANH);
                case SIGMOID -> ONE.div(v.neg().lanewise(VectorOperators.EXP).add(1f));
                case RELU -> v.max(0f);
                case SQUARE -> v.mul(v);
                case GELU_TANH -> geluTanh(v);
                case GELU -> throw new AssertionError("exact GELU takes the scalar path");
            };
            r.intoArray(out, o + i, m);
        }
    }

    private static final FloatVector ONE = FloatVector.broadcast(SPECIES, 1f);
    private static final float SQRT_2_OVER_PI = (float) Math.sqrt(2.0 / Math.PI);

    private static FloatVector geluTanh(FloatVector x) {
        FloatVector inner = x.mul(x).mul(x).mul(0.044715f).add(x).mul(SQRT_2_OVER_PI);
        return inner.lanewise(VectorOperators.TANH).add(1f).mul(x).mul(0.5f);
    }

    static void unaryBackwardRow(UnaryOp op, float[] out, float[] x, float[] y, float[] dy, int[] off, int len,
                                 int[] st) {
        for (int i = 0; i < len; i++) {
            out[off[0] + i] = op.derivative(x[off[1] + i * st[1]], y[off[2] + i * st[2]], dy[off[3] + i * st[3]]);
        }
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
