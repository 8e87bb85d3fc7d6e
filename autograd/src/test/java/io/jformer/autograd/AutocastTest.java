package io.jformer.autograd;

import io.jformer.tensor.DType;
import io.jformer.tensor.Generator;
import io.jformer.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Autocast's products against a reference computed here in double from operands rounded to half precision
 * (the rounding itself is held to numpy's and PyTorch's in the tensor module's HalfFloatsTest). The engine
 * sums {@code k} products of halves in F32; each product is exact in F32 (11 + 11 significant bits), so the
 * result is within {@code k·2⁻²⁴·Σ|terms|} of the double reference (the textbook bound for a float sum of k
 * terms), plus the bias's rounding. The checks allow twice that; a product that skipped the rounding differs
 * by up to 2⁻¹¹ relative per operand, hundreds of times more, which the second assertion of each test shows
 * is visible at these sizes.
 */
class AutocastTest {

    private static final double U = Math.pow(2, -24);

    private static Tensor randn(long seed, int... shape) {
        return Tensor.randn(new Generator(seed), shape);
    }

    private static float[] rounded(Tensor t, DType half) {
        return t.contiguous().to(half).to(DType.F32).toFloatArray();
    }

    /** {@code a[m,k]·b[k,n]} in double with the error bound's scale {@code Σ|a·b|}: [0] values, [1] scales. */
    private static double[][] product(float[] a, float[] b, int m, int k, int n) {
        double[][] out = new double[2][m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                double abs = 0;
                for (int p = 0; p < k; p++) {
                    double t = (double) a[i * k + p] * b[p * n + j];
                    s += t;
                    abs += Math.abs(t);
                }
                out[0][i * n + j] = s;
                out[1][i * n + j] = abs;
            }
        }
        return out;
    }

    private static float[] transpose(float[] a, int rows, int cols) {
        float[] t = new float[a.length];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                t[j * rows + i] = a[i * cols + j];
            }
        }
        return t;
    }

    /** Asserts {@code got} within the bound of the reference; returns the largest difference from {@code plain}. */
    private static double assertWithinBound(String what, double[][] want, float[] got, int k, float[] plain) {
        double worstPlain = 0;
        for (int i = 0; i < got.length; i++) {
            double bound = 2 * (k + 2) * U * (want[1][i] + Math.abs(want[0][i]));
            double err = Math.abs(got[i] - want[0][i]);
            assertTrue(err <= bound, what + "[" + i + "]: " + got[i] + " vs " + want[0][i] + " (bound " + bound + ")");
            worstPlain = Math.max(worstPlain, Math.abs(plain[i] - want[0][i]) - bound);
        }
        return worstPlain;
    }

    @Test
    void linearMultipliesHalfRoundedOperandsAndItsBackwardToo() {
        int rows = 10;
        int in = 24;
        int out = 16;
        Tensor x = randn(1, 2, 5, in);
        Tensor w = randn(2, out, in);
        Tensor b = randn(3, out);
        Tensor dy = randn(4, 2, 5, out);
        Variable xv = Variable.parameter(x);
        Variable wv = Variable.parameter(w);
        Variable bv = Variable.parameter(b);
        Variable y;
        try (Autocast.Scope amp = Autocast.enable(DType.F16)) {
            y = Functional.linear(xv, wv, bv);
        }
        // Backward after the scope closed: the node recorded its precision.
        y.backward(dy);

        float[] xr = rounded(x, DType.F16);
        float[] wr = rounded(w, DType.F16);
        float[] dyr = rounded(dy, DType.F16);
        double[][] want = product(xr, transpose(wr, out, in), rows, in, out);
        float[] bias = b.toFloatArray();
        for (int i = 0; i < want[0].length; i++) {
            want[0][i] += bias[i % out];
        }
        float[] plain = x.linear(w, b).toFloatArray();
        assertTrue(assertWithinBound("y", want, y.data().toFloatArray(), in, plain) > 0,
                "an F32 product should be distinguishable from the half-operand one");

        double[][] dx = product(dyr, wr, rows, out, in);
        float[] dxPlain = dy.reshape(rows, out).matmul(w).toFloatArray();
        assertTrue(assertWithinBound("dX", dx, xv.grad().toFloatArray(), out, dxPlain) > 0, "dX took F32 operands");
        double[][] dw = product(transpose(dyr, rows, out), xr, out, rows, in);
        float[] dwPlain = dy.reshape(rows, out).t().matmul(x.reshape(rows, in)).toFloatArray();
        assertTrue(assertWithinBound("dW", dw, wv.grad().toFloatArray(), rows, dwPlain) > 0, "dW took F32 operands");
        // The bias gradient is a sum of the unrounded dY, as in F32.
        assertEquals(0, bv.grad().sub(dy.reshape(rows, out).sum(false, 0)).abs().max(false).item());
    }

    @Test
    void batchedMatmulAndItsGradientsTakeHalfOperands() {
        Tensor a = randn(5, 3, 7, 20);
        Tensor b = randn(6, 3, 20, 9);
        Tensor g = randn(7, 3, 7, 9);
        Variable av = Variable.parameter(a);
        Variable bv = Variable.parameter(b);
        Variable c;
        try (Autocast.Scope amp = Autocast.enable(DType.F16)) {
            c = av.matmul(bv);
        }
        c.backward(g);
        float[] ar = rounded(a, DType.F16);
        float[] br = rounded(b, DType.F16);
        float[] gr = rounded(g, DType.F16);
        float[] got = c.data().toFloatArray();
        float[] dA = av.grad().toFloatArray();
        float[] plain = a.matmul(b).toFloatArray();
        double worst = 0;
        for (int i = 0; i < 3; i++) {
            float[] ai = java.util.Arrays.copyOfRange(ar, i * 140, (i + 1) * 140);
            float[] bi = java.util.Arrays.copyOfRange(br, i * 180, (i + 1) * 180);
            float[] gi = java.util.Arrays.copyOfRange(gr, i * 63, (i + 1) * 63);
            worst = Math.max(worst, assertWithinBound("C" + i, product(ai, bi, 7, 20, 9),
                    java.util.Arrays.copyOfRange(got, i * 63, (i + 1) * 63), 20,
                    java.util.Arrays.copyOfRange(plain, i * 63, (i + 1) * 63)));
            assertWithinBound("dA" + i, product(gi, transpose(bi, 20, 9), 7, 9, 20),
                    java.util.Arrays.copyOfRange(dA, i * 140, (i + 1) * 140), 9, new float[140]);
        }
        assertTrue(worst > 0, "an F32 product should be distinguishable from the half-operand one");
    }

    @Test
    void bf16RoundsToBf16() {
        Tensor x = randn(8, 6, 32);
        Tensor w = randn(9, 12, 32);
        Variable y;
        try (Autocast.Scope amp = Autocast.enable(DType.BF16)) {
            y = Functional.linear(Variable.constant(x), Variable.constant(w), null);
        }
        double[][] want = product(rounded(x, DType.BF16), transpose(rounded(w, DType.BF16), 12, 32), 6, 32, 12);
        assertTrue(assertWithinBound("y", want, y.data().toFloatArray(), 32, x.linear(w, null).toFloatArray()) > 0);
    }

    @Test
    void scopesNestRestoreAndStayOnTheirThread() throws InterruptedException {
        assertNull(Autocast.operandType());
        try (Autocast.Scope outer = Autocast.enable(DType.F16)) {
            try (Autocast.Scope inner = Autocast.enable(null)) {
                assertNull(Autocast.operandType(), "an inner scope can turn autocast off");
            }
            assertEquals(DType.F16, Autocast.operandType());
            AtomicReference<DType> seen = new AtomicReference<>(DType.I64);
            Thread t = new Thread(() -> seen.set(Autocast.operandType()));
            t.start();
            t.join();
            assertNull(seen.get(), "another thread is not in this thread's scope");
        }
        assertNull(Autocast.operandType());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Autocast.enable(DType.F32));
        assertTrue(e.getMessage().contains("F16 or BF16") && e.getMessage().contains("F32"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> randn(1, 2, 2).matmulReduced(randn(2, 2, 2), DType.I64));
    }
}
