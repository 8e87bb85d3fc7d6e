package io.jformer.tensor.io;

import java.util.List;

/**
 * One tensor's entry in a safetensors header.
 *
 * @param name   the tensor's name (its key in the header)
 * @param dtype  the stored element type as the file spells it ({@code "F32"}, {@code "BF16"}, {@code "I64"}, ...)
 * @param shape  the dimension sizes, outermost first; empty for a 0-d tensor
 * @param begin  offset of the first data byte, relative to the start of the data section
 * @param end    offset one past the last data byte, relative to the start of the data section
 */
public record TensorInfo(String name, String dtype, List<Long> shape, long begin, long end) {

    /** Copies {@code shape} into an unmodifiable list. */
    public TensorInfo {
        shape = List.copyOf(shape);
    }

    /** Number of elements (1 for a 0-d tensor). Fits in a long: the header parser checked it. */
    public long numel() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    /** Number of data bytes, {@code end - begin}. */
    public long byteLength() {
        return end - begin;
    }
}
