package io.jformer.tensor.io;

import io.jformer.tensor.DType;
import io.jformer.tensor.Storage;
import io.jformer.tensor.cpu.CpuStorage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Turns a tensor's bytes in a file into CPU storage, converting the types the engine does not hold (F64 → F32,
 * narrower and unsigned integers and BOOL → I64).
 *
 * <p>The bytes are memory-mapped a window at a time. One {@code MappedByteBuffer} cannot exceed 2 GiB, and a tensor
 * of up to 2^31-1 elements of 8 bytes can be 16 GiB; windows keep both that and the 2 GiB-plus file offsets working.
 */
final class TensorDecoder {

    /** Decodes {@code count} elements from {@code window} (little-endian, positioned at 0) into slot {@code first}. */
    private interface WindowDecoder {
        void decode(ByteBuffer window, int first, int count) throws IOException;
    }

    private final FileChannel channel;
    private final int windowBytes;

    /** {@code windowBytes} must be a positive multiple of 8 so no element straddles two windows. */
    TensorDecoder(FileChannel channel, int windowBytes) {
        if (windowBytes <= 0 || windowBytes % 8 != 0) {
            throw new IllegalArgumentException("window must be a positive multiple of 8 bytes, got " + windowBytes);
        }
        this.channel = channel;
        this.windowBytes = windowBytes;
    }

    /**
     * Reads {@code numel} elements of {@code dtype} starting at absolute file offset {@code start}. {@code onBadValue}
     * builds the error for a value the target type cannot hold (a U64 above 2^63-1), given its file offset.
     */
    Storage decode(SafeTensorsDType dtype, long start, int numel, BadValue onBadValue) throws IOException {
        return switch (dtype) {
            case F32 -> {
                float[] out = new float[numel];
                read(start, numel, 4, (w, first, n) -> w.asFloatBuffer().get(out, first, n));
                yield CpuStorage.of(out);
            }
            case F16, BF16 -> {
                short[] out = new short[numel];
                read(start, numel, 2, (w, first, n) -> w.asShortBuffer().get(out, first, n));
                yield CpuStorage.ofHalves(dtype == SafeTensorsDType.F16 ? DType.F16 : DType.BF16, out);
            }
            case I64 -> {
                long[] out = new long[numel];
                read(start, numel, 8, (w, first, n) -> w.asLongBuffer().get(out, first, n));
                yield CpuStorage.of(out);
            }
            case F64 -> {
                float[] out = new float[numel];
                read(start, numel, 8, (w, first, n) -> {
                    for (int i = 0; i < n; i++) {
                        out[first + i] = (float) w.getDouble(i * 8); // rounds to nearest, as numpy's astype does
                    }
                });
                yield CpuStorage.of(out);
            }
            case U64 -> {
                long[] out = new long[numel];
                read(start, numel, 8, (w, first, n) -> {
                    for (int i = 0; i < n; i++) {
                        long v = w.getLong(i * 8);
                        if (v < 0) {
                            throw onBadValue.at(start + 8L * (first + i), Long.toUnsignedString(v));
                        }
                        out[first + i] = v;
                    }
                });
                yield CpuStorage.of(out);
            }
            case I32, U32, I16, U16, I8, U8, BOOL -> CpuStorage.of(widenIntegers(dtype, start, numel));
            default -> throw new IllegalArgumentException("no decoder for " + dtype);
        };
    }

    /** Thrown by {@link #decode} for a value the target type cannot hold. */
    interface BadValue {
        IOException at(long fileOffset, String value);
    }

    private long[] widenIntegers(SafeTensorsDType dtype, long start, int numel) throws IOException {
        long[] out = new long[numel];
        int size = dtype.byteSize();
        read(start, numel, size, (w, first, n) -> {
            for (int i = 0; i < n; i++) {
                int at = i * size;
                out[first + i] = switch (dtype) {
                    case I32 -> w.getInt(at);
                    case U32 -> Integer.toUnsignedLong(w.getInt(at));
                    case I16 -> w.getShort(at);
                    case U16 -> Short.toUnsignedLong(w.getShort(at));
                    case I8 -> w.get(at);
                    case U8 -> Byte.toUnsignedLong(w.get(at));
                    case BOOL -> w.get(at) != 0 ? 1 : 0; // the format stores 0 or 1; treat any other byte as true
                    default -> throw new IllegalStateException("not an integer type: " + dtype);
                };
            }
        });
        return out;
    }

    /** Maps the region window by window and hands each to {@code decoder}. */
    private void read(long start, int numel, int elementBytes, WindowDecoder decoder) throws IOException {
        int perWindow = windowBytes / elementBytes;
        for (int first = 0; first < numel; first += perWindow) {
            int count = Math.min(perWindow, numel - first);
            MappedByteBuffer window = channel.map(FileChannel.MapMode.READ_ONLY,
                    start + (long) first * elementBytes, (long) count * elementBytes);
            window.order(ByteOrder.LITTLE_ENDIAN);
            decoder.decode(window, first, count);
        }
    }
}
