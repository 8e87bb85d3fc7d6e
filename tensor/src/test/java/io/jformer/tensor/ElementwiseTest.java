package io.jformer.tensor;

import io.jformer.tensor.TestTensors.Layout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Arrays;
import java.util.Random;

import static io.jformer.tensor.TestTensors.assertClose;
import static io.jformer.tensor.TestTensors.assertShape;
import static io.jformer.tensor.TestTensors.broadcastShape;
import static io.jformer.tensor.TestTensors.broadcastSource;
import static io.jformer.tensor.TestTensors.numel;
import static io.jformer.tensor.TestTensors.unravel;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Binary, unary, comparison and selection ops through {@link Tensor} against scalar loops in double written
 * here, over NumPy broadcasting and every input layout (contiguous, transposed, strided with NaN in the gaps,
 * at a storage offset, expanded with stride 0), on short rows and on rows longer than a vector with ragged tails.
 *
 * <p>Tolerances, and why:
 * <ul>
 * <li>ADD, SUB, MUL, DIV, MAXIMUM, MINIMUM, comparisons, where, NEG, ABS, SQRT, RELU, SQUARE: exact. The
 * reference rounds the double result to float, which for +, -, ×, ÷ and √ of floats is the correctly rounded
 * float result (double has more than 2·24 + 2 bits, so the double rounding is innocuous).</li>
 * <li>POW: one float ulp (the double pow is within an ulp of the truth; its rounding may land either side).</li>
 * <li>EXP, LOG, TANH, SIGMOID, RSQRT: relative 1e-6 (≈ 8 float ulps; the vector exp/tanh are accurate to a few
 * ulps, and sigmoid and rsqrt add a rounded divide).</li>
 * <li>GELU: relative 1e-6 (the kernel's documented bound is 4.6e-7), plus 2e-16·|x| on the strided path, whose
 * scalar definition computes {@code 1 + erf(x/√2)} in double and so loses the far negative tail.</li>
 * <li>GELU_TANH: 1e-6 of {@code |result| + |x|}: evaluated in float, {@code 1 + tanh(·)} cancels for negative
 * x, leaving an absolute error of a few ulp(1)·|x|/2.</li>
 * </ul>
 */
class ElementwiseTest {

    /** Operand shapes: the first two also give the broadcast; lengths 17, 33, 37, 100 leave partial vectors. */
    private static final int[][][] BROADCAST_CASES = {
            {{3, 1, 5}, {4, 1}},
            {{}, {2, 37}},
            {{2, 37}, {}},
            {{}, {}},
            {{6, 1}, {1, 19}},
            {{4, 33}, {33}},
            {{1}, {5}},
            {{2, 3, 1, 20}, {3, 17, 1}},
            {{100}, {100}},
            {{3, 17}, {3, 17}},
    };

    /** How one operand is given to the op; EXPANDED stretches it to the output shape with stride-0 dimensions. */
    private enum Arg { CONTIGUOUS, TRANSPOSED, STRIDED, OFFSET, EXPANDED }

    private static Tensor operand(float[] values, int[] shape, int[] outShape, Arg arg) {
        return switch (arg) {
            case CONTIGUOUS -> TestTensors.layout(values, shape, Layout.CONTIGUOUS);
            case TRANSPOSED -> TestTensors.layout(values, shape, Layout.TRANSPOSED);
            case STRIDED -> TestTensors.layout(values, shape, Layout.STRIDED);
            case OFFSET -> TestTensors.layout(values, shape, Layout.OFFSET);
            case EXPANDED -> Tensor.of(values, shape).expand(outShape);
        };
    }

    private static float[] binaryInputs(BinaryOp op, Random r, int n, boolean second) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = switch (op) {
                case DIV -> second ? (float) ((r.nextBoolean() ? 1 : -1) * (0.25 + 2 * r.nextDouble()))
                        : (float) r.nextGaussian() * 3;
                case POW -> second ? (float) (4 * r.nextDouble() - 2) : (float) (0.05 + 3 * r.nextDouble());
                // small integers make ties (and equal operands) common; a NaN now and then must propagate
                case MAXIMUM, MINIMUM -> r.nextInt(20) == 0 ? Float.NaN : r.nextInt(5) - 2;
                default -> (float) (r.nextGaussian() * Math.pow(10, r.nextInt(5) - 2));
            };
        }
        return v;
    }

    private static double binaryReference(BinaryOp op, double a, double b) {
        return switch (op) {
            case ADD -> a + b;
            case SUB -> a - b;
            case MUL -> a * b;
            case DIV -> a / b;
            case POW -> Math.pow(a, b);
            case MAXIMUM -> Double.isNaN(a) || Double.isNaN(b) ? Double.NaN : Math.max(a, b);
            case MINIMUM -> Double.isNaN(a) || Double.isNaN(b) ? Double.NaN : Math.min(a, b);
        };
    }

    @ParameterizedTest
    @EnumSource(BinaryOp.class)
    void binaryOpMatchesScalarLoopUnderBroadcastingAndEveryLayout(BinaryOp op) {
        Random r = new Random(100 + op.ordinal());
        for (int[][] c : BROADCAST_CASES) {
            int[] sa = c[0];
            int[] sb = c[1];
            int[] out = broadcastShape(sa, sb);
            float[] a = binaryInputs(op, r, numel(sa), false);
            float[] b = binaryInputs(op, r, numel(sb), true);
            double[] expected = new double[numel(out)];
            for (int i = 0; i < expected.length; i++) {
                int[] idx = unravel(i, out);
                // rounded to float: see the class comment
                expected[i] = (float) binaryReference(op, a[broadcastSource(idx, sa)], b[broadcastSource(idx, sb)]);
            }
            for (Arg la : Arg.values()) {
                for (Arg lb : Arg.values()) {
                    Tensor x = operand(a, sa, out, la);
                    Tensor y = operand(b, sb, out, lb);
                    Tensor z = Backends.cpu().binary(op, x, y);
                    String what = op + " of " + Arrays.toString(sa) + " " + la + " and " + Arrays.toString(sb) + " " + lb;
                    assertShape(z, out);
                    assertTrue(z.isContiguous(), what + ": output must be contiguous");
                    if (op == BinaryOp.POW) {
                        assertClose(expected, z.toFloatArray(), i -> Math.ulp((float) expected[i]), what);
                    } else {
                        assertClose(expected, z.toFloatArray(), 0, 0, what);
                    }
                }
            }
        }
    }

    @Test
    void tensorArithmeticMethodsAndScalarOverloadsMapToTheirOps() {
        Tensor a = Tensor.of(new float[]{1, -2, 3, 8}, 2, 2);
        Tensor b = Tensor.of(new float[]{4, 5}, 2);
        assertClose(new double[]{5, 3, 7, 13}, a.add(b).toFloatArray(), 0, 0, "add");
        assertClose(new double[]{-3, -7, -1, 3}, a.sub(b).toFloatArray(), 0, 0, "sub");
        assertClose(new double[]{4, -10, 12, 40}, a.mul(b).toFloatArray(), 0, 0, "mul");
        assertClose(new double[]{0.25, -0.4f, 0.75, 1.6f}, a.div(b).toFloatArray(), 0, 0, "div");
        assertClose(new double[]{4, 5, 4, 8}, a.maximum(b).toFloatArray(), 0, 0, "maximum");
        assertClose(new double[]{1, -2, 3, 5}, a.minimum(b).toFloatArray(), 0, 0, "minimum");
        assertClose(new double[]{1, 4, 9, 64}, a.pow(2).toFloatArray(), 0, 0, "pow scalar");
        assertClose(new double[]{3.5, 0.5, 5.5, 10.5}, a.add(2.5).toFloatArray(), 0, 0, "add scalar");
        assertClose(new double[]{0, -3, 2, 7}, a.sub(1).toFloatArray(), 0, 0, "sub scalar");
        assertClose(new double[]{-3, 6, -9, -24}, a.mul(-3).toFloatArray(), 0, 0, "mul scalar");
        assertClose(new double[]{0.5, -1, 1.5, 4}, a.div(2).toFloatArray(), 0, 0, "div scalar");
        Tensor zeroD = Tensor.scalar(2).mul(Tensor.scalar(3.5));
        assertShape(zeroD, new int[0]);
        assertEquals(7f, zeroD.item());
    }

    @Test
    void singleLongRowSplitAcrossThreadsMatchesScalarLoop() {
        // 100,003 elements: one row split into pieces by the pool; the pieces must line up with the data
        int n = 100_003;
        Random r = new Random(7);
        float[] a = TestTensors.gaussian(r, n, 1);
        float[] b = TestTensors.gaussian(r, n, 1);
        float[] sum = Tensor.of(a, n).add(Tensor.of(b, n)).toFloatArray();
        float[] exp = Tensor.of(a, n).exp().toFloatArray();
        double[] es = new double[n];
        double[] ee = new double[n];
        for (int i = 0; i < n; i++) {
            es[i] = (float) ((double) a[i] + b[i]);
            ee[i] = Math.exp(a[i]);
        }
        assertClose(es, sum, 0, 0, "long add");
        assertClose(ee, exp, 1e-6, 0, "long exp");
    }

    // ---- unary -------------------------------------------------------------------------------------------

    private static final int[][] UNARY_SHAPES = {{37}, {5}, {}, {3, 40}, {2, 3, 17}, {1, 16}};

    private static float[] unaryInputs(UnaryOp op, Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = switch (op) {
                case LOG, SQRT, RSQRT -> (float) Math.pow(10, 6 * r.nextDouble() - 3);
                case EXP -> (float) (40 * r.nextDouble() - 20);
                case GELU, GELU_TANH -> (float) (20 * r.nextDouble() - 10);
                default -> i % 3 == 0 ? (float) (16 * r.nextDouble() - 8) : (float) r.nextGaussian();
            };
        }
        return v;
    }

    private static double unaryTolerance(UnaryOp op, float x, double expected, boolean contiguous) {
        double e = Math.abs(expected);
        return switch (op) {
            case NEG, ABS, SQRT, RELU, SQUARE -> 0;
            case EXP, LOG, TANH, SIGMOID, RSQRT -> 1e-6 * e;
            case GELU -> 1e-6 * e + (contiguous ? 0 : 2e-16 * Math.abs(x)) + Float.MIN_NORMAL;
            case GELU_TANH -> 1e-6 * (e + Math.abs(x)) + Float.MIN_NORMAL;
        };
    }

    @ParameterizedTest
    @EnumSource(UnaryOp.class)
    void unaryOpMatchesDoubleDefinitionOnEveryLayout(UnaryOp op) {
        Random r = new Random(200 + op.ordinal());
        for (int[] shape : UNARY_SHAPES) {
            float[] x = unaryInputs(op, r, numel(shape));
            double[] expected = new double[x.length];
            for (int i = 0; i < x.length; i++) {
                double e = ReferenceMath.unary(op, x[i]);
                boolean exact = unaryTolerance(op, x[i], e, true) == 0;
                expected[i] = exact ? (float) e : e; // exact ops: compare with the correctly rounded float
            }
            for (Layout layout : Layout.values()) {
                boolean contiguous = layout == Layout.CONTIGUOUS;
                Tensor t = TestTensors.layout(x, shape, layout);
                float[] got = t.unary(op).toFloatArray();
                assertClose(expected, got, i -> unaryTolerance(op, x[i], expected[i], contiguous),
                        op + " on " + Arrays.toString(shape) + " " + layout);
            }
        }
    }

    @Test
    void namedUnaryMethodsMapToTheirOps() {
        Tensor x = Tensor.of(new float[]{0.5f, 2f}, 2);
        UnaryOp[] ops = {UnaryOp.NEG, UnaryOp.ABS, UnaryOp.EXP, UnaryOp.LOG, UnaryOp.SQRT, UnaryOp.RSQRT,
                UnaryOp.TANH, UnaryOp.SIGMOID, UnaryOp.RELU, UnaryOp.GELU, UnaryOp.GELU_TANH};
        Tensor[] got = {x.neg(), x.abs(), x.exp(), x.log(), x.sqrt(), x.rsqrt(), x.tanh(), x.sigmoid(), x.relu(),
                x.gelu(), x.geluTanh()};
        for (int k = 0; k < ops.length; k++) {
            double[] e = {ReferenceMath.unary(ops[k], 0.5), ReferenceMath.unary(ops[k], 2)};
            assertClose(e, got[k].toFloatArray(), 1e-6, 0, ops[k].toString());
        }
    }

    @Test
    void exactGeluKeepsRelativeAccuracyInTheNegativeTail() {
        // contiguous (vector) path only: x·Φ(x) down to x = -13, where Φ ≈ 6e-39 and GELU ≈ -8e-38
        int n = 2601;
        float[] x = new float[n];
        double[] expected = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (-13 + i * 0.005);
            expected[i] = ReferenceMath.gelu(x[i]);
        }
        float[] got = Tensor.of(x, n).gelu().toFloatArray();
        // 1e-6 relative wherever the result is a normal float; below that, the subnormal spacing
        assertClose(expected, got, i -> 1e-6 * Math.abs(expected[i]) + Float.MIN_NORMAL * 1e-6, "gelu tail");
    }

    @Test
    void referenceErfAgreesWithPublishedValues() {
        // A&S table values: checks the test's own reference before it judges the kernels
        assertEquals(0.8427007929497149, ReferenceMath.erf(1), 1e-15);
        assertEquals(0.9953222650189527, ReferenceMath.erf(2), 1e-15);
        assertEquals(2.209049699858544e-05, ReferenceMath.erfc(3), 1e-19);
        assertEquals(1.5374597944280349e-12, ReferenceMath.erfc(5), 1e-26);
        assertEquals(2.088487583762545e-45, ReferenceMath.erfc(10), 1e-58);
        assertEquals(0.15865525393145707, ReferenceMath.phi(-1), 1e-15);
    }

    // ---- unary backward -----------------------------------------------------------------------------------

    /** Allowed error of {@code op'(x)·dy} computed by the kernel from x, its float output y and dy. */
    private static double backwardTolerance(UnaryOp op, float x, float dy, double expected, boolean contiguous) {
        double g = Math.abs(dy);
        double e = Math.abs(expected);
        return switch (op) {
            case NEG, ABS, RELU, LOG, SQUARE -> 0; // one correctly rounded operation (or none)
            case EXP, SQRT -> 2e-6 * e; // y within ~1e-6 relative, then one or two roundings
            case RSQRT -> 4e-6 * e; // y cubed triples y's relative error
            // 1 - y² and y(1 - y) from a float y: absolute error ≈ a few ulp(1), whatever the result's size
            case TANH, SIGMOID -> 1e-6 * e + 4e-7 * g;
            case GELU -> {
                double terms = ReferenceMath.phi(x) + Math.abs(x) * ReferenceMath.pdf(x);
                // the terms cancel near x = -0.75: bound against their size (kernel: 3e-7 measured); the strided
                // path evaluates Φ as 1 + erf in double, off by up to 2^-53
                yield g * (1e-6 * terms + (contiguous ? 0 : 0x1p-52)) + Float.MIN_NORMAL;
            }
            case GELU_TANH -> {
                double t = Math.tanh(ReferenceMath.SQRT_2_OVER_PI * (x + 0.044715 * x * x * x));
                double dInner = ReferenceMath.SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x * x);
                double terms = 0.5 * (1 + Math.abs(t)) + Math.abs(0.5 * x * (1 - t * t) * dInner);
                yield 1e-6 * g * terms + Float.MIN_NORMAL;
            }
        };
    }

    @ParameterizedTest
    @EnumSource(UnaryOp.class)
    void unaryBackwardMatchesHandDerivedDerivative(UnaryOp op) {
        Random r = new Random(300 + op.ordinal());
        for (int[] shape : UNARY_SHAPES) {
            int n = numel(shape);
            float[] x = unaryInputs(op, r, n);
            if (op == UnaryOp.EXP) {
                for (int i = 0; i < n; i++) {
                    x[i] /= 4; // keep exp(x)·dy well inside float range
                }
            }
            float[] dy = TestTensors.gaussian(r, n, 1);
            double[] expected = new double[n];
            for (int i = 0; i < n; i++) {
                double e = ReferenceMath.unaryDerivative(op, x[i]) * dy[i];
                expected[i] = backwardTolerance(op, x[i], dy[i], e, true) == 0 ? (float) e : e;
            }
            for (Layout layout : Layout.values()) {
                boolean contiguous = layout == Layout.CONTIGUOUS;
                Tensor xt = TestTensors.layout(x, shape, layout);
                Tensor y = xt.unary(op); // the backward takes the forward's output, as autograd gives it
                Tensor g = TestTensors.layout(dy, shape, layout);
                float[] got = Backends.cpu().unaryBackward(op, xt, y, g).toFloatArray();
                assertClose(expected, got, i -> backwardTolerance(op, x[i], dy[i], expected[i], contiguous),
                        op + " backward on " + Arrays.toString(shape) + " " + layout);
            }
        }
    }

    @Test
    void absAndReluHaveZeroDerivativeAtZero() {
        Tensor x = Tensor.of(new float[]{0f, -0f, 1f, -1f}, 4);
        Tensor dy = Tensor.of(new float[]{3f, 3f, 3f, 3f}, 4);
        assertClose(new double[]{0, 0, 3, -3}, Backends.cpu().unaryBackward(UnaryOp.ABS, x, x.abs(), dy)
                .toFloatArray(), 0, 0, "abs'");
        assertClose(new double[]{0, 0, 3, 0}, Backends.cpu().unaryBackward(UnaryOp.RELU, x, x.relu(), dy)
                .toFloatArray(), 0, 0, "relu'");
        float[] relu = Tensor.of(new float[]{Float.NaN, -1f}, 2).relu().toFloatArray();
        assertTrue(Float.isNaN(relu[0]), "relu(NaN) is NaN, as in PyTorch");
    }

    // ---- comparisons, where, maskedFill -------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(CompareOp.class)
    void compareMatchesScalarLoopWithBroadcasting(CompareOp op) {
        Random r = new Random(400 + op.ordinal());
        for (int[][] c : BROADCAST_CASES) {
            int[] sa = c[0];
            int[] sb = c[1];
            int[] out = broadcastShape(sa, sb);
            float[] a = new float[numel(sa)];
            float[] b = new float[numel(sb)];
            for (int i = 0; i < a.length; i++) {
                a[i] = r.nextInt(12) == 0 ? Float.NaN : r.nextInt(3) - 1; // ties are common, NaN compares false
            }
            for (int i = 0; i < b.length; i++) {
                b[i] = r.nextInt(12) == 0 ? Float.NaN : r.nextInt(3) - 1;
            }
            double[] expected = new double[numel(out)];
            for (int i = 0; i < expected.length; i++) {
                int[] idx = unravel(i, out);
                double x = a[broadcastSource(idx, sa)];
                double y = b[broadcastSource(idx, sb)];
                boolean holds = switch (op) {
                    case EQ -> x == y;
                    case NE -> x != y;
                    case LT -> x < y;
                    case LE -> x <= y;
                    case GT -> x > y;
                    case GE -> x >= y;
                };
                expected[i] = holds ? 1 : 0;
            }
            for (Arg la : new Arg[]{Arg.CONTIGUOUS, Arg.STRIDED, Arg.EXPANDED}) {
                Tensor z = operand(a, sa, out, la).compare(op, operand(b, sb, out, Arg.TRANSPOSED));
                assertClose(expected, z.toFloatArray(), 0, 0, op + " " + Arrays.toString(sa) + " vs "
                        + Arrays.toString(sb) + " " + la);
            }
        }
        Tensor a = Tensor.of(new float[]{1, 2}, 2);
        assertClose(new double[]{0, 1}, a.eq(Tensor.scalar(2)).toFloatArray(), 0, 0, "eq");
        assertClose(new double[]{1, 0}, a.lt(Tensor.scalar(2)).toFloatArray(), 0, 0, "lt");
        assertClose(new double[]{0, 1}, a.gt(Tensor.scalar(1)).toFloatArray(), 0, 0, "gt");
    }

    @Test
    void whereBroadcastsAllThreeOperands() {
        Random r = new Random(5);
        int[] sc = {3, 1, 5};
        int[] sa = {4, 1};
        int[] sb = {5};
        int[] out = broadcastShape(broadcastShape(sc, sa), sb);
        float[] c = new float[numel(sc)];
        float[] cond = {0f, 1f, -2f, 0.5f, Float.NaN, -0f}; // anything but ±0 selects a; NaN != 0
        for (int i = 0; i < c.length; i++) {
            c[i] = cond[r.nextInt(cond.length)];
        }
        float[] a = TestTensors.gaussian(r, numel(sa), 1);
        float[] b = TestTensors.gaussian(r, numel(sb), 1);
        double[] expected = new double[numel(out)];
        for (int i = 0; i < expected.length; i++) {
            int[] idx = unravel(i, out);
            expected[i] = c[broadcastSource(idx, sc)] != 0 ? a[broadcastSource(idx, sa)] : b[broadcastSource(idx, sb)];
        }
        for (Arg l : new Arg[]{Arg.CONTIGUOUS, Arg.TRANSPOSED, Arg.STRIDED, Arg.EXPANDED}) {
            Tensor z = Tensor.where(operand(c, sc, out, l), operand(a, sa, out, l), operand(b, sb, out, l));
            assertShape(z, out);
            assertClose(expected, z.toFloatArray(), 0, 0, "where " + l);
        }
    }

    @Test
    void maskedFillReplacesWhereTheMaskIsSet() {
        Random r = new Random(6);
        int[] sx = {2, 3, 19};
        int[] sm = {2, 1, 19};
        float[] x = TestTensors.gaussian(r, numel(sx), 1);
        float[] m = new float[numel(sm)];
        for (int i = 0; i < m.length; i++) {
            m[i] = r.nextBoolean() ? 1 : 0;
        }
        double[] expected = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            expected[i] = m[broadcastSource(unravel(i, sx), sm)] != 0 ? -10000 : x[i];
        }
        Tensor got = TestTensors.layout(x, sx, Layout.TRANSPOSED).maskedFill(Tensor.of(m, sm), -10000);
        assertClose(expected, got.toFloatArray(), 0, 0, "maskedFill");
        float[] inf = Tensor.zeros(2).maskedFill(Tensor.of(new float[]{1, 0}, 2), Double.NEGATIVE_INFINITY)
                .toFloatArray();
        assertEquals(Float.NEGATIVE_INFINITY, inf[0]);
        assertEquals(0f, inf[1]);
    }
}
