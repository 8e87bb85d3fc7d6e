package io.jformer.tensor.cpu;

import io.jformer.tensor.DType;
import io.jformer.tensor.Device;
import io.jformer.tensor.Storage;

/** Host storage backed by a Java array: {@code float[]} for F32, {@code short[]} for F16/BF16, {@code long[]} for I64. */
public final class CpuStorage implements Storage {

    private final DType dtype;
    private final Object array;
    private final int length;

    private CpuStorage(DType dtype, Object array, int length) {
        this.dtype = dtype;
        this.array = array;
        this.length = length;
    }

    /** Wraps (does not copy) an F32 array. */
    public static CpuStorage of(float[] data) {
        return new CpuStorage(DType.F32, data, data.length);
    }

    /** Wraps (does not copy) an I64 array. */
    public static CpuStorage of(long[] data) {
        return new CpuStorage(DType.I64, data, data.length);
    }

    /** Wraps (does not copy) the raw 16-bit patterns of an F16 or BF16 array. */
    public static CpuStorage ofHalves(DType dtype, short[] bits) {
        if (dtype != DType.F16 && dtype != DType.BF16) {
            throw new IllegalArgumentException("16-bit storage must be F16 or BF16, not " + dtype);
        }
        return new CpuStorage(dtype, bits, bits.length);
    }

    /** Zero-filled storage. */
    public static CpuStorage allocate(DType dtype, int length) {
        return switch (dtype) {
            case F32 -> of(new float[length]);
            case F16, BF16 -> ofHalves(dtype, new short[length]);
            case I64 -> of(new long[length]);
        };
    }

    @Override
    public Device device() {
        return Device.CPU;
    }

    @Override
    public DType dtype() {
        return dtype;
    }

    @Override
    public int length() {
        return length;
    }

    /** The backing array of an F32 storage. */
    public float[] floats() {
        if (dtype != DType.F32) {
            throw new IllegalStateException("storage holds " + dtype + ", not F32");
        }
        return (float[]) array;
    }

    /** The backing array of an I64 storage. */
    public long[] longs() {
        if (dtype != DType.I64) {
            throw new IllegalStateException("storage holds " + dtype + ", not I64");
        }
        return (long[]) array;
    }

    /** The backing bit patterns of an F16 or BF16 storage. */
    public short[] halves() {
        if (dtype != DType.F16 && dtype != DType.BF16) {
            throw new IllegalStateException("storage holds " + dtype + ", not F16/BF16");
        }
        return (short[]) array;
    }
}
