package io.jformer.tensor;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Errors name what went wrong: the op, both shapes, the dtypes, the devices, the offending index and the size
 * it had to fit. Each check asserts the exception type and the pieces of its message a user needs.
 */
class BadInputTest {

    private static final Backend CPU = Backends.cpu();

    /** Asserts {@code body} throws {@code type} with a message containing every one of {@code parts}. */
    private static <T extends Throwable> void assertMessage(Class<T> type, Executable body, String... parts) {
        T e = assertThrows(type, body);
        String m = e.getMessage();
        for (String p : parts) {
            assertTrue(m != null && m.contains(p), "message should contain '" + p + "': " + m);
        }
    }

    /** Storage that claims to live on a GPU: enough for the CPU backend's device checks. */
    private record FakeGpuStorage(Device device, DType dtype, int length) implements Storage {
    }

    private static Tensor onGpu(int... shape) {
        Shape s = Shape.of(shape);
        return new Tensor(new FakeGpuStorage(Device.cuda(0), DType.F32, s.numel()), s);
    }

    // ---- shapes ---------------------------------------------------------------------------------------------

    @Test
    void broadcastMismatchNamesTheOpAndBothShapes() {
        assertMessage(ShapeMismatchException.class, () -> Tensor.zeros(2, 3).add(Tensor.zeros(4, 5)),
                "add", "[2, 3]", "[4, 5]");
        assertMessage(ShapeMismatchException.class, () -> Tensor.zeros(2, 3).mul(Tensor.zeros(2)),
                "mul", "[2, 3]", "[2]");
        assertMessage(ShapeMismatchException.class, () -> Tensor.zeros(3).compare(CompareOp.LT, Tensor.zeros(4)),
                "lt", "[3]", "[4]");
        assertMessage(ShapeMismatchException.class,
                () -> Tensor.where(Tensor.zeros(2), Tensor.zeros(3), Tensor.zeros(2)), "where", "[2]", "[3]");
        assertMessage(ShapeMismatchException.class,
                () -> CPU.unaryBackward(UnaryOp.EXP, Tensor.zeros(3), Tensor.zeros(3), Tensor.zeros(4)),
                "exp_backward", "[3]", "[4]");
        assertMessage(ShapeMismatchException.class,
                () -> CPU.softmaxBackward(Tensor.zeros(2, 3), Tensor.zeros(3, 2), 1, 1, false),
                "softmax_backward", "[2, 3]", "[3, 2]");
        assertMessage(ShapeMismatchException.class, () -> CPU.copy(Tensor.zeros(2, 3), Tensor.zeros(3, 2)),
                "copy", "[2, 3]", "[3, 2]");
    }

    @Test
    void matmulInnerDimensionMismatchNamesBothShapes() {
        assertMessage(ShapeMismatchException.class, () -> Tensor.zeros(2, 3).matmul(Tensor.zeros(4, 5)),
                "matmul", "[2, 3]", "[4, 5]", "3", "4");
        assertMessage(ShapeMismatchException.class, () -> Tensor.zeros(7, 2, 3).matmul(Tensor.zeros(2)),
                "matmul", "[7, 2, 3]", "[2]");
    }

    @Test
    void layerNormAndCrossEntropyShapeErrorsNameTheShapes() {
        assertMessage(ShapeMismatchException.class,
                () -> CPU.layerNorm(Tensor.zeros(4, 6), null, Tensor.zeros(5), 1e-5), "layer_norm", "[5]", "[4, 6]");
        assertMessage(ShapeMismatchException.class,
                () -> CPU.crossEntropy(Tensor.zeros(4, 6), Tensor.ofLongs(new long[3], 3), -100, Reduction.MEAN),
                "cross_entropy", "[4, 6]", "[3]");
        assertMessage(ShapeMismatchException.class,
                () -> CPU.embedding(Tensor.zeros(4), Tensor.ofLongs(new long[1], 1)), "embedding", "[4]");
        assertMessage(ShapeMismatchException.class,
                () -> CPU.embeddingBackward(Tensor.zeros(2, 5), Tensor.ofLongs(new long[3], 3), 4),
                "embedding_backward", "[2, 5]", "[3]");
    }

    // ---- dtypes ----------------------------------------------------------------------------------------------

    @Test
    void dtypeMismatchNamesTheOpAndTheDtypes() {
        Tensor f = Tensor.zeros(2, 3);
        Tensor ids = Tensor.ofLongs(new long[6], 2, 3);
        assertMessage(IllegalArgumentException.class, () -> f.add(ids), "add", "F32", "I64");
        Tensor half = f.to(DType.F16);
        assertMessage(IllegalArgumentException.class, half::exp, "exp", "F16", "to(DType.F32)");
        assertMessage(IllegalArgumentException.class, () -> half.matmul(f.t()), "matmul", "F16");
        assertMessage(IllegalArgumentException.class, () -> f.to(DType.BF16).sum(), "sum", "BF16");
        assertMessage(IllegalArgumentException.class, () -> CPU.embedding(Tensor.zeros(4, 2), Tensor.zeros(3)),
                "embedding", "I64", "F32");
        assertMessage(IllegalArgumentException.class,
                () -> CPU.crossEntropy(Tensor.zeros(2, 3), Tensor.zeros(2), -100, Reduction.MEAN),
                "cross_entropy", "I64", "F32");
        assertMessage(IllegalArgumentException.class, () -> f.indexSelect(0, Tensor.zeros(1)), "index_select", "F32");
    }

    // ---- devices ---------------------------------------------------------------------------------------------

    @Test
    void deviceMismatchNamesBothDevices() {
        Tensor cpu = Tensor.zeros(2, 3);
        Tensor gpu = onGpu(2, 3);
        assertMessage(IllegalArgumentException.class, () -> CPU.binary(BinaryOp.ADD, cpu, gpu),
                "add", "cpu", "cuda:0");
        assertMessage(IllegalArgumentException.class, () -> CPU.matmul(cpu, onGpu(3, 2)),
                "matmul", "cpu", "cuda:0");
        assertMessage(IllegalArgumentException.class, () -> CPU.copy(gpu, cpu), "copy", "cpu", "cuda:0");
        // both operands on the GPU but handed to the CPU backend
        assertMessage(IllegalArgumentException.class, () -> CPU.unary(UnaryOp.EXP, gpu), "exp", "cuda:0");
    }

    @Test
    void aTensorOnADeviceWithoutBackendSaysSo() {
        // the tensor module alone has no CUDA provider on its class path
        Tensor gpu = onGpu(2);
        if (!Backends.isAvailable(Device.cuda(0))) {
            assertMessage(UnsupportedOperationException.class, gpu::exp, "cuda:0");
        }
        assertMessage(IllegalArgumentException.class, () -> Device.parse("tpu"), "tpu");
    }

    // ---- indices ---------------------------------------------------------------------------------------------

    @Test
    void outOfRangeIndicesNameTheIndexAndTheSize() {
        assertMessage(IndexOutOfBoundsException.class,
                () -> CPU.embedding(Tensor.zeros(5, 2), Tensor.ofLongs(new long[]{1, 7}, 2)), "embedding", "7", "5");
        assertMessage(IndexOutOfBoundsException.class,
                () -> CPU.embedding(Tensor.zeros(5, 2), Tensor.ofLongs(new long[]{-1}, 1)), "-1", "5");
        assertMessage(IndexOutOfBoundsException.class,
                () -> CPU.embeddingBackward(Tensor.zeros(1, 2), Tensor.ofLongs(new long[]{9}, 1), 4), "9", "4");
        assertMessage(IndexOutOfBoundsException.class,
                () -> Tensor.zeros(3, 4).indexSelect(1, Tensor.ofLongs(new long[]{0, 4}, 2)), "index_select", "4");
        assertMessage(IndexOutOfBoundsException.class,
                () -> CPU.indexAdd(Shape.of(3, 2), 0, Tensor.ofLongs(new long[]{3}, 1), Tensor.zeros(1, 2)),
                "index_add", "3");
        assertMessage(IndexOutOfBoundsException.class,
                () -> CPU.crossEntropy(Tensor.zeros(2, 4), Tensor.ofLongs(new long[]{1, 9}, 2), -100, Reduction.MEAN),
                "cross_entropy", "9", "4");
        assertMessage(IndexOutOfBoundsException.class,
                () -> CPU.crossEntropy(Tensor.zeros(2, 4), Tensor.ofLongs(new long[]{-1, 0}, 2), -100, Reduction.SUM),
                "-1", "4");
        assertMessage(IndexOutOfBoundsException.class, () -> Tensor.zeros(4, 3).narrow(0, 2, 3), "5", "4");
        assertMessage(IndexOutOfBoundsException.class, () -> Tensor.zeros(4, 3).slice(1, 1, 6, 2), "6", "3");
        assertMessage(IndexOutOfBoundsException.class, () -> Tensor.zeros(4, 3).select(1, 3), "3", "size 3");
        assertMessage(IndexOutOfBoundsException.class, () -> Tensor.zeros(4, 3).get(4, 0), "4", "size 4");
        assertMessage(IndexOutOfBoundsException.class, () -> Tensor.zeros(4, 3).get(0, -1), "-1", "size 3");
        assertMessage(IndexOutOfBoundsException.class, () -> Tensor.zeros(4, 3).sum(false, 2), "2", "[4, 3]");
        assertMessage(IndexOutOfBoundsException.class, () -> Tensor.zeros(4, 3).softmax(-3), "-3", "[4, 3]");
    }

    @Test
    void concatOfMismatchedShapesNamesThem() {
        assertMessage(ShapeMismatchException.class,
                () -> Tensor.concat(List.of(Tensor.zeros(2, 3), Tensor.zeros(2, 4)), 0), "concat", "[2, 3]", "[2, 4]");
    }

    @Test
    void randomDrawsRejectBadParameters() {
        assertMessage(IllegalArgumentException.class, () -> Tensor.bernoulli(1.5, new Generator(1), 3),
                "bernoulli", "1.5");
        assertMessage(IllegalArgumentException.class, () -> Tensor.bernoulli(Double.NaN, new Generator(1), 3),
                "bernoulli", "NaN");
        assertMessage(IllegalArgumentException.class,
                () -> CPU.fillRandom(Tensor.zeros(4, 4).t(), Distribution.UNIFORM, 0, 1, 1, 0), "contiguous");
        assertMessage(IllegalArgumentException.class, () -> Shape.of(2, -1), "-1");
    }
}
