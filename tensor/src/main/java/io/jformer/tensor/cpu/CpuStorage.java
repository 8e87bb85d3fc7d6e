package io.jformer.tensor.cpu;

import io.jformer.tensor.DType;
import io.jformer.tensor.Device;
import io.jformer.tensor.Storage;
import io.jformer.tensor.Workspace;

import java.util.Arrays;

/** Host storage backed by a Java array: {@code float[]} for F32, {@code short[]} for F16/BF16, {@code long[]} for I64. */
public final class CpuStorage implements Storage {

    private static final ArrayPool POOL = ArrayPool.forThisJvm();

    private final DType dtype;
    private final Object array;
    private final int length;
    private boolean recycled;

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

    /**
     * Zero-filled storage. Large arrays come from the pool of arrays that closed {@link Workspace}s handed back
     * (zeroed here, as a fresh Java array would be) and are tracked by the open workspace, if any.
     */
    public static CpuStorage allocate(DType dtype, int length) {
        return allocate(dtype, length, true);
    }

    /**
     * Like {@link #allocate(DType, int)}, but with {@code zeroed} false a reused array keeps stale contents: for
     * outputs a kernel writes in full (a product, an elementwise result), where zeroing first is a wasted pass.
     */
    static CpuStorage allocate(DType dtype, int length, boolean zeroed) {
        if (!ArrayPool.pooled(length)) {
            return fresh(dtype, length);
        }
        CpuStorage s = reused(dtype, length, zeroed);
        if (s == null) {
            s = fresh(dtype, length);
        }
        Workspace.track(s);
        return s;
    }

    private static CpuStorage fresh(DType dtype, int length) {
        return switch (dtype) {
            case F32 -> of(new float[length]);
            case F16, BF16 -> ofHalves(dtype, new short[length]);
            case I64 -> of(new long[length]);
        };
    }

    private static CpuStorage reused(DType dtype, int length, boolean zeroed) {
        Class<?> type = switch (dtype) {
            case F32 -> float[].class;
            case F16, BF16 -> short[].class;
            case I64 -> long[].class;
        };
        Object a = POOL.take(type, length);
        if (a == null) {
            return null;
        }
        if (zeroed && a instanceof float[] f) {
            Arrays.fill(f, 0f);
        } else if (zeroed && a instanceof short[] h) {
            Arrays.fill(h, (short) 0);
        } else if (zeroed && a instanceof long[] l) {
            Arrays.fill(l, 0L);
        }
        return new CpuStorage(dtype, a, length);
    }

    /** Hands the array to the pool; the storage must not be used again. */
    void recycle() {
        if (recycled) {
            throw new IllegalStateException("storage of " + length + " " + dtype + " elements was already recycled");
        }
        recycled = true;
        if (!ArrayPool.pooled(length)) {
            return;
        }
        if (Workspace.poisons() && array instanceof float[] f) {
            Arrays.fill(f, Float.NaN);
        }
        POOL.give(array);
    }

    /** The pool shared by every CPU backend instance (they share the JVM's heap). */
    static ArrayPool pool() {
        return POOL;
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
