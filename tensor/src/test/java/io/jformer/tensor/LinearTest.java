package io.jformer.tensor;

import io.jformer.tensor.TestTensors.Layout;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static io.jformer.tensor.TestTensors.assertClose;
import static io.jformer.tensor.TestTensors.assertShape;
import static io.jformer.tensor.TestTensors.numel;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Tensor#linear} ({@code x·Wᵀ + b}, PyTorch's {@code F.linear}) against a loop in double written here, for
 * inputs that fold into one GEMM (where the CPU starts the sums from the bias) and inputs that do not (where it
 * multiplies, then adds).
 *
 * <p>Tolerance: a float dot product of length k accumulated with FMAs onto the bias is within
 * {@code (k + 2)·2⁻²⁴·(|b| + Σₚ|x_p·w_p|)} of the exact value (the γₖ bound with the bias as one more term).
 */
class LinearTest {

    private static void check(int[] xShape, int out, boolean withBias, Layout layout, long seed) {
        Random r = new Random(seed);
        int in = xShape[xShape.length - 1];
        float[] x = TestTensors.gaussian(r, numel(xShape), 1);
        float[] w = TestTensors.gaussian(r, out * in, 1);
        float[] b = TestTensors.gaussian(r, out, 1);
        int rows = numel(xShape) / Math.max(1, in);
        double[] expected = new double[rows * out];
        double[] magnitude = new double[expected.length];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < out; j++) {
                double s = withBias ? b[j] : 0;
                double abs = Math.abs(s);
                for (int p = 0; p < in; p++) {
                    double term = (double) x[i * in + p] * w[j * in + p];
                    s += term;
                    abs += Math.abs(term);
                }
                expected[i * out + j] = s;
                magnitude[i * out + j] = abs;
            }
        }
        Tensor xt = TestTensors.layout(x, xShape, layout);
        Tensor wt = TestTensors.layout(w, new int[]{out, in}, layout);
        Tensor y = xt.linear(wt, withBias ? Tensor.of(b, out) : null);
        int[] outShape = Arrays.copyOf(xShape, xShape.length);
        outShape[outShape.length - 1] = out;
        assertShape(y, outShape);
        assertClose(expected, y.toFloatArray(), i -> (in + 2) * 0x1p-24 * magnitude[i] + Float.MIN_NORMAL,
                Arrays.toString(xShape) + " " + layout + " -> " + out + (withBias ? " with bias" : ""));
    }

    @Test
    void matchesLoopInDoubleForEveryLayout() {
        long seed = 1;
        for (Layout layout : Layout.values()) {
            for (boolean withBias : new boolean[]{true, false}) {
                // a 3-D activation (folds into one GEMM when contiguous), a matrix, a vector, and sizes that cross
                // the tile edges, the 768-step block and the threads' split
                check(new int[]{3, 5, 7}, 4, withBias, layout, seed++);
                check(new int[]{37, 53}, 29, withBias, layout, seed++);
                check(new int[]{9}, 6, withBias, layout, seed++);
                check(new int[]{2, 130, 800}, 90, withBias, layout, seed++);
            }
        }
    }

    /**
     * {@code linear(w, b, activation)} is {@code linear(w, b).unary(activation)} bit for bit, whether the
     * activation runs in the GEMM's epilogue (inputs that fold into one GEMM) or after the product (the others).
     */
    @Test
    void withAnActivationEqualsTheActivationOfTheLinear() {
        long seed = 100;
        UnaryOp[] ops = {UnaryOp.GELU, UnaryOp.GELU_TANH, UnaryOp.RELU, UnaryOp.SIGMOID};
        int round = 0;
        for (Layout layout : Layout.values()) {
            for (int[] xShape : new int[][]{{3, 5, 7}, {37, 53}, {2, 130, 800}, {4, 0}}) {
                Random r = new Random(seed++);
                int in = xShape[xShape.length - 1];
                int out = 29 + round;
                UnaryOp op = ops[round++ % ops.length];
                Tensor x = TestTensors.layout(TestTensors.gaussian(r, numel(xShape), 1), xShape, layout);
                Tensor w = TestTensors.layout(TestTensors.gaussian(r, out * in, 1), new int[]{out, in}, layout);
                Tensor b = Tensor.of(TestTensors.gaussian(r, out, 1), out);
                Tensor expected = x.linear(w, b).unary(op);
                Tensor fused = x.linear(w, b, op);
                assertShape(fused, expected.shape().toArray());
                assertArrayEquals(expected.toFloatArray(), fused.toFloatArray(),
                        Arrays.toString(xShape) + " " + layout + " " + op);
            }
        }
    }

    @Test
    void shapeErrorsNameTheShapes() {
        ShapeMismatchException e = assertThrows(ShapeMismatchException.class,
                () -> Tensor.zeros(2, 3).linear(Tensor.zeros(4, 5), null));
        assertTrue(e.getMessage().contains("linear") && e.getMessage().contains("[2, 3]")
                && e.getMessage().contains("[4, 5]"), e.getMessage());
        e = assertThrows(ShapeMismatchException.class,
                () -> Tensor.zeros(2, 3).linear(Tensor.zeros(4, 3), Tensor.zeros(5)));
        assertTrue(e.getMessage().contains("[5]") && e.getMessage().contains("[4, 3]"), e.getMessage());
        e = assertThrows(ShapeMismatchException.class,
                () -> Tensor.zeros(2, 3).linear(Tensor.zeros(4, 3, 1), null));
        assertTrue(e.getMessage().contains("[4, 3, 1]"), e.getMessage());
    }
}
