package io.jformer.tensor.cpu;

import io.jformer.tensor.BinaryOp;
import io.jformer.tensor.Tensor;
import io.jformer.tensor.UnaryOp;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The vector elementwise kernels against the scalar definitions ({@link UnaryOp#apply},
 * {@link UnaryOp#derivative}, {@link BinaryOp#apply}) evaluated here per element.
 *
 * <p>Tolerances, and why:
 * <ul>
 * <li>Bit-exact where the kernel does the definition's float arithmetic in the same order: forward NEG,
 * ABS, SQRT (both correctly rounded), RELU, SQUARE; every backward except GELU and GELU_TANH (which the
 * definition evaluates in double); every binary op but POW.</li>
 * <li>4 ulp for EXP, LOG, TANH, SIGMOID and RSQRT: the JDK's vector exp/log/tanh are documented to 1 ulp
 * (SIGMOID adds an add and a divide, RSQRT a float divide where the definition divides in double).</li>
 * <li>Exact GELU: relative error 1e-6 (the kernel's measured bound is 4.6e-7 against an accurate
 * reference, see {@link VectorErf}), plus |x|·2e-16 for the definition's own cancellation in
 * {@code 1 + erf(x/√2)} in double for x &lt; -5 (it returns 0 from x ≈ -8.3 where the truth is
 * ~1e-16), plus the smallest normal float for values the kernel flushes below it.</li>
 * <li>GELU backward: 1e-6 of {@code |dy|·(|Φ(x)| + |x·φ(x)|)}; the two terms cancel near x = -0.75, so
 * the error is bounded against their size, not the result's (measured 3e-7); plus, times |dy|, 2⁻⁵³ for
 * the definition's cdf in double and 6·2⁻¹²⁶ for the kernel's flushing of exp(-x²/2) below 2⁻¹²⁶.</li>
 * <li>GELU_TANH, forward and backward, computed in float: 1e-6 of the size of the terms, since
 * {@code 1 + tanh(·)} cancels for negative x (absolute error ~|x|·2⁻²⁴ there).</li>
 * </ul>
 */
class ElementwiseKernelsTest {

    private static final int[] LENGTHS = {1, 15, 16, 17, 1000, 4097};
    private static CpuBackend backend;

    @BeforeAll
    static void start() {
        backend = new CpuBackend(2);
    }

    @AfterAll
    static void stop() {
        backend.close();
    }

    // ---- inputs --------------------------------------------------------------------------------------

    private static boolean positiveDomain(UnaryOp op) {
        return op == UnaryOp.LOG || op == UnaryOp.SQRT || op == UnaryOp.RSQRT;
    }

    /** Inputs in the op's domain: log-uniform on [1e-3, 1e3] for LOG/SQRT/RSQRT, else mostly [-8, 8]. */
    private static float[] inputs(UnaryOp op, int n, long seed) {
        Random r = new Random(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            if (positiveDomain(op)) {
                x[i] = (float) Math.pow(10, r.nextDouble() * 6 - 3);
            } else {
                x[i] = switch (i % 4) {
                    case 0 -> (float) r.nextGaussian();
                    case 1 -> (float) (r.nextDouble() * 16 - 8);
                    case 2 -> (float) (r.nextGaussian() * 1e-3);
                    default -> (float) (r.nextDouble() * 30 - 15);
                };
            }
        }
        return x;
    }

    private static float[] gradients(int n, long seed) {
        Random r = new Random(seed);
        float[] g = new float[n];
        for (int i = 0; i < n; i++) {
            g[i] = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(5) - 2));
        }
        return g;
    }

    // ---- tolerances ----------------------------------------------------------------------------------

    private static final double GELU_RTOL = 1e-6;
    private static final double INV_SQRT_2PI = 1.0 / Math.sqrt(2 * Math.PI);
    private static final double SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

    /** Allowed |got - expected| for the forward of {@code op} at x. */
    private static double forwardTolerance(UnaryOp op, float x, float expected) {
        return switch (op) {
            case NEG, ABS, SQRT, RELU, SQUARE -> 0;
            case EXP, LOG, TANH, SIGMOID, RSQRT -> 4 * Math.ulp(expected);
            case GELU -> GELU_RTOL * Math.abs(expected) + 2e-16 * Math.abs(x) + Float.MIN_NORMAL;
            case GELU_TANH -> {
                double t = Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x));
                // the terms of 0.5x + 0.5x·t
                yield GELU_RTOL * 0.5 * Math.abs(x) * (1 + Math.abs(t)) + Float.MIN_NORMAL;
            }
        };
    }

    /** Allowed |got - expected| for the backward of {@code op} at x with upstream gradient dy. */
    private static double backwardTolerance(UnaryOp op, float x, float dy) {
        return switch (op) {
            case GELU -> {
                double cdf = 0.5 * (1 + io.jformer.tensor.Erf.erf(x / Math.sqrt(2)));
                double pdf = INV_SQRT_2PI * Math.exp(-0.5 * (double) x * x);
                // + the definition's own error: its cdf, 0.5·(1 + erf) in double, is off by up to 2⁻⁵³ (it is 0
                // from x ≈ -8.3 on); + the kernel flushing exp(-x²/2) below 2⁻¹²⁶ (|x|·φ(x) < 6·2⁻¹²⁶)
                yield Math.abs(dy) * (GELU_RTOL * (Math.abs(cdf) + Math.abs(x * pdf)) + 0x1p-53 + 6 * Float.MIN_NORMAL)
                        + Float.MIN_NORMAL;
            }
            case GELU_TANH -> {
                double t = Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x));
                double dInner = SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x * x);
                double terms = 0.5 * (1 + Math.abs(t)) + Math.abs(0.5 * x * (1 - t * t) * dInner);
                yield GELU_RTOL * Math.abs(dy) * terms + Float.MIN_NORMAL;
            }
            default -> 0; // the same float expression as UnaryOp.derivative
        };
    }

    private static void assertClose(String what, float x, float expected, float got, double tol) {
        if (Float.isNaN(expected) || Float.isNaN(got) || Float.isInfinite(expected) || tol == 0) {
            if (Float.floatToIntBits(expected) != Float.floatToIntBits(got)) {
                fail(what + " at x=" + x + ": expected " + expected + " but got " + got + " (exact match required)");
            }
            return;
        }
        double err = Math.abs((double) got - expected);
        if (!(err <= tol)) {
            fail(what + " at x=" + x + ": expected " + expected + " but got " + got + ", error " + err
                    + " > tolerance " + tol);
        }
    }

    // ---- checks --------------------------------------------------------------------------------------

    /** Forward and backward of {@code op} through the backend on contiguous {@code x}, checked per element. */
    private static void check(UnaryOp op, float[] x, float[] dy) {
        int n = x.length;
        Tensor xt = Tensor.of(x, n);
        Tensor y = backend.unary(op, xt);
        float[] ys = y.toFloatArray();
        for (int i = 0; i < n; i++) {
            float expected = op.apply(x[i]);
            assertClose(op + " forward", x[i], expected, ys[i], forwardTolerance(op, x[i], expected));
        }
        float[] dx = backend.unaryBackward(op, xt, y, Tensor.of(dy, n)).toFloatArray();
        for (int i = 0; i < n; i++) {
            float expected = op.derivative(x[i], ys[i], dy[i]);
            assertClose(op + " backward (dy=" + dy[i] + ")", x[i], expected, dx[i], backwardTolerance(op, x[i], dy[i]));
        }
    }

    @ParameterizedTest
    @EnumSource(UnaryOp.class)
    void everyOpMatchesScalarDefinitionAtAwkwardLengths(UnaryOp op) {
        for (int n : LENGTHS) {
            check(op, inputs(op, n, 17L * n + op.ordinal()), gradients(n, 31L * n));
        }
    }

    @ParameterizedTest
    @EnumSource(value = UnaryOp.class, names = {"GELU", "GELU_TANH"})
    void geluOnDenseGrid(UnaryOp op) {
        int n = 200_001; // [-10, 10] in steps of 1e-4
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (-10 + i * 1e-4);
        }
        check(op, x, gradients(n, 5));
    }

    @Test
    void geluOfExtremeValuesFollowsScalarDefinition() {
        float[] x = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 1e30f, -1e30f, Float.MAX_VALUE,
                -Float.MAX_VALUE, 1e-40f, -1e-40f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, 0f, -0f,
                13.2f, -13.2f, 13.24f, -13.24f, 13.25f, -13.25f, 13.27f, -13.27f, 14f, -14f, 20f, -20f, 1e-20f,
                -1e-20f, 5e-8f, -5e-8f, 100f, -100f, 1e5f, -1e5f, 8f, -8f, 9.5f, -9.5f};
        float[] dy = new float[x.length];
        java.util.Arrays.fill(dy, 1f);
        check(UnaryOp.GELU, x, dy);
        float[] y = backend.unary(UnaryOp.GELU, Tensor.of(x, x.length)).toFloatArray();
        assertTrue(Float.isNaN(y[0]), "gelu(NaN) must be NaN");
        assertEquals(Float.POSITIVE_INFINITY, y[1]);
        assertEquals(1e30f, y[3]);
        assertEquals(Float.floatToIntBits(-0f), Float.floatToIntBits(y[4]), "gelu(-1e30) is -0");
        float[] dx = backend.unaryBackward(UnaryOp.GELU, Tensor.of(x, x.length), Tensor.of(y, y.length),
                Tensor.of(dy, dy.length)).toFloatArray();
        assertTrue(Float.isNaN(dx[0]), "gelu'(NaN) must be NaN");
    }

    @ParameterizedTest
    @EnumSource(UnaryOp.class)
    void nanStaysNanWhereTheDefinitionSaysSo(UnaryOp op) {
        float[] x = new float[37];
        java.util.Arrays.fill(x, 0.5f);
        x[3] = Float.NaN;
        x[20] = Float.NaN;
        x[36] = Float.NaN; // in the tail
        float[] dy = gradients(x.length, 3);
        dy[5] = Float.NaN;
        check(op, x, dy); // exact classification: NaN where apply/derivative give NaN (RELU gives 0)
    }

    @ParameterizedTest
    @EnumSource(UnaryOp.class)
    void resultsDoNotDependOnThreadCount(UnaryOp op) {
        int n = 100_003; // several 16K pieces, ragged end
        float[] x = inputs(op, n, 99);
        float[] dy = gradients(n, 98);
        float[] y1 = null;
        float[] dx1 = null;
        for (int threads = 1; threads <= 3; threads++) {
            try (CpuBackend b = new CpuBackend(threads)) {
                Tensor xt = Tensor.of(x, n);
                Tensor y = b.unary(op, xt);
                float[] ys = y.toFloatArray();
                float[] dxs = b.unaryBackward(op, xt, y, Tensor.of(dy, n)).toFloatArray();
                if (y1 == null) {
                    y1 = ys;
                    dx1 = dxs;
                } else {
                    assertArrayEquals(y1, ys, op + " forward with " + threads + " threads");
                    assertArrayEquals(dx1, dxs, op + " backward with " + threads + " threads");
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(UnaryOp.class)
    void stridedInputsTakeTheScalarPathAndAgree(UnaryOp op) {
        int rows = 37;
        int cols = 29;
        float[] x = inputs(op, rows * cols, 7);
        float[] dy = gradients(rows * cols, 8);
        Tensor xt = Tensor.of(x, rows, cols).t(); // [cols, rows], row stride = cols
        Tensor dyt = Tensor.of(dy, rows, cols).t();
        Tensor y = backend.unary(op, xt);
        Tensor dx = backend.unaryBackward(op, xt, y, dyt);
        float[] ys = y.toFloatArray();
        float[] dxs = dx.toFloatArray();
        for (int i = 0; i < cols; i++) {
            for (int j = 0; j < rows; j++) {
                float xi = x[j * cols + i];
                float gi = dy[j * cols + i];
                int k = i * rows + j;
                assertEquals(Float.floatToIntBits(op.apply(xi)), Float.floatToIntBits(ys[k]), op + " forward at " + xi);
                assertEquals(Float.floatToIntBits(op.derivative(xi, ys[k], gi)), Float.floatToIntBits(dxs[k]),
                        op + " backward at " + xi);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = BinaryOp.class, names = {"ADD", "SUB", "MUL", "DIV", "MAXIMUM", "MINIMUM"})
    void binaryOpsMatchScalarDefinitionWithBroadcasting(BinaryOp op) {
        for (int n : LENGTHS) {
            float[] a = inputs(UnaryOp.TANH, 3 * n, n);
            float[] b = inputs(UnaryOp.TANH, n, n + 1);
            a[0] = Float.NaN;
            float[] out = backend.binary(op, Tensor.of(a, 3, n), Tensor.of(b, n)).toFloatArray();
            float[] outRev = backend.binary(op, Tensor.of(b, n), Tensor.of(a, 3, n)).toFloatArray();
            float[] outScalar = backend.binary(op, Tensor.of(a, 3, n), Tensor.of(new float[] {b[0]}, 1))
                    .toFloatArray();
            for (int r = 0; r < 3; r++) {
                for (int i = 0; i < n; i++) {
                    float av = a[r * n + i];
                    assertEquals(Float.floatToIntBits(op.apply(av, b[i])), Float.floatToIntBits(out[r * n + i]),
                            op + " at " + av + ", " + b[i]);
                    assertEquals(Float.floatToIntBits(op.apply(b[i], av)), Float.floatToIntBits(outRev[r * n + i]),
                            op + " at " + b[i] + ", " + av);
                    assertEquals(Float.floatToIntBits(op.apply(av, b[0])), Float.floatToIntBits(outScalar[r * n + i]),
                            op + " at " + av + ", " + b[0]);
                }
            }
        }
    }
}
