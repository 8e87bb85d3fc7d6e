package io.jformer.kernels;

import io.jformer.tensor.DType;
import io.jformer.tensor.Device;
import io.jformer.tensor.Shape;
import io.jformer.tensor.Tensor;
import io.jformer.tensor.Workspace;
import io.jformer.tensor.cpu.CpuStorage;
import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUevent;
import jcuda.driver.CUevent_flags;
import jcuda.driver.CUfunction;
import jcuda.driver.CUresult;
import jcuda.driver.CUstream;
import jcuda.driver.CUstream_flags;
import jcuda.driver.JCudaDriver;

import java.nio.ByteBuffer;
import java.nio.IntBuffer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One device's driver state: the primary context (JCuda 12.6 works with CUDA 13 drivers only through it), a
 * non-blocking stream that every kernel and copy goes to (so work is ordered without device-wide syncs), the
 * PTX modules, the caching allocator and the pinned transfer buffers. Shared by the op classes.
 */
final class CudaRuntime implements AutoCloseable {

    private static final long[] NULL_POINTER = {0L};

    final Device device;
    final CUdevice cuDevice = new CUdevice();
    final CUcontext context = new CUcontext();
    final CUstream stream = new CUstream();
    final PtxModules modules = new PtxModules();
    final CachingAllocator allocator;
    final String deviceName;
    final int multiprocessors;
    private final PinnedHostPool pinned = new PinnedHostPool();
    private final ThreadLocal<Boolean> current = ThreadLocal.withInitial(() -> false);
    private volatile boolean poison;

    CudaRuntime(int index) {
        this.device = Device.cuda(index);
        Cuda.check(JCudaDriver.cuDeviceGet(cuDevice, index), "cuDeviceGet(" + index + ")");
        Cuda.check(JCudaDriver.cuDevicePrimaryCtxRetain(context, cuDevice), "cuDevicePrimaryCtxRetain");
        makeCurrent();
        Cuda.check(JCudaDriver.cuStreamCreate(stream, CUstream_flags.CU_STREAM_NON_BLOCKING), "cuStreamCreate");
        byte[] name = new byte[256];
        Cuda.check(JCudaDriver.cuDeviceGetName(name, name.length, cuDevice), "cuDeviceGetName");
        int len = 0;
        while (len < name.length && name[len] != 0) {
            len++;
        }
        this.deviceName = new String(name, 0, len, java.nio.charset.StandardCharsets.US_ASCII);
        int[] sm = new int[1];
        Cuda.check(JCudaDriver.cuDeviceGetAttribute(sm,
                jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, cuDevice), "cuDeviceGetAttribute");
        this.multiprocessors = sm[0];
        this.allocator = new CachingAllocator(new DriverMemory(), CudaRuntime::reclaimUnreachable);
        modules.loadAll();
    }

    /** cuMemAlloc/cuMemFree behind the allocator's interface. */
    private final class DriverMemory implements RawDeviceMemory {
        @Override
        public Object malloc(long bytes) {
            makeCurrent();
            CUdeviceptr p = new CUdeviceptr();
            int rc = JCudaDriver.cuMemAlloc(p, bytes);
            if (rc == CUresult.CUDA_ERROR_OUT_OF_MEMORY) {
                return null;
            }
            Cuda.check(rc, "cuMemAlloc(" + bytes + ")");
            return p;
        }

        @Override
        public void free(Object handle) {
            makeCurrent();
            Cuda.check(JCudaDriver.cuMemFree((CUdeviceptr) handle), "cuMemFree");
        }

        @Override
        public long[] memInfo() {
            long[] free = new long[1];
            long[] total = new long[1];
            makeCurrent();
            return JCudaDriver.cuMemGetInfo(free, total) == CUresult.CUDA_SUCCESS ? new long[]{free[0], total[0]} : null;
        }
    }

    /** Device memory is invisible to the Java heap: before declaring OOM, let unreachable tensors hand theirs back. */
    private static void reclaimUnreachable() {
        System.gc();
        try {
            Thread.sleep(100); // the cleaner thread runs the releases
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Binds the primary context to the calling thread (once per thread). */
    void makeCurrent() {
        if (!current.get()) {
            Cuda.check(JCudaDriver.cuCtxSetCurrent(context), "cuCtxSetCurrent");
            current.set(true);
        }
    }

    /** Fills new allocations with NaN (F32/F16/BF16) or a garbage pattern (I64), to catch kernels that skip outputs. */
    void setPoison(boolean on) {
        this.poison = on;
    }

    /**
     * {@link #constantInts}' arrays, least recently used first; the oldest go back to the allocator past
     * {@link #MAX_CONSTANT_ARRAYS} (safe: a later kernel reusing the block runs after every earlier one on the
     * one stream).
     */
    private static final int MAX_CONSTANT_ARRAYS = 1024;
    private final Map<IntBuffer, CudaStorage> constantInts = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<IntBuffer, CudaStorage> eldest) {
            if (size() > MAX_CONSTANT_ARRAYS) {
                eldest.getValue().close();
                return true;
            }
            return false;
        }
    };

    CudaStorage allocate(DType dtype, int length) {
        if (length < 0) {
            throw new IllegalArgumentException("negative length " + length);
        }
        makeCurrent();
        long bytes = (long) length * dtype.byteSize();
        CachingAllocator.Block b = allocator.allocate(bytes);
        CudaStorage s = new CudaStorage(device, dtype, length, allocator, b);
        if (poison && length > 0) {
            if (dtype == DType.F16) {
                Cuda.check(JCudaDriver.cuMemsetD16Async(s.pointer(), (short) 0x7e00, length, stream), "cuMemsetD16Async");
            } else if (dtype == DType.BF16) {
                Cuda.check(JCudaDriver.cuMemsetD16Async(s.pointer(), (short) 0x7fc0, length, stream), "cuMemsetD16Async");
            } else {
                Cuda.check(JCudaDriver.cuMemsetD32Async(s.pointer(), 0x7fc00000, bytes / 4, stream), "cuMemsetD32Async");
            }
        }
        // An open workspace hands the block back to the cache when it closes (CudaBackend.recycle); left to the
        // storage's cleaner, a training step's activations would wait for the garbage collector, and the next
        // step would pay cuMemAlloc for each of them.
        Workspace.track(s);
        return s;
    }

    Tensor empty(Shape shape, DType dtype) {
        return new Tensor(allocate(dtype, shape.numel()), shape);
    }

    /** Zero bytes of a whole storage. */
    void zero(CudaStorage s) {
        if (s.byteSize() > 0) {
            Cuda.check(JCudaDriver.cuMemsetD8Async(s.pointer(), (byte) 0, s.byteSize(), stream), "cuMemsetD8Async");
        }
    }

    static CUdeviceptr ptr(Tensor t) {
        return ((CudaStorage) t.storage()).pointer();
    }

    /**
     * Launches {@code module.function}. Arguments: {@link CUdeviceptr} (or {@link Tensor}: its storage's base
     * pointer; element offsets travel as separate ints), Integer, Long, Float, Double, {@code int[]} (a struct
     * passed by value), or null (a null pointer).
     */
    void launch(String module, String function, LaunchConfig c, Object... args) {
        makeCurrent();
        CUfunction f = modules.function(module, function);
        Pointer[] params = new Pointer[args.length];
        for (int i = 0; i < args.length; i++) {
            Object a = args[i];
            params[i] = a == null ? Pointer.to(NULL_POINTER) : param(a, module + "." + function, i);
        }
        Cuda.check(JCudaDriver.cuLaunchKernel(f, c.gridX(), c.gridY(), c.gridZ(), c.blockX(), c.blockY(), c.blockZ(),
                0, stream, Pointer.to(params), null), "cuLaunchKernel(" + module + "." + function + ")");
    }

    private static Pointer param(Object a, String where, int i) {
        if (a instanceof Tensor t) {
            return Pointer.to(ptr(t));
        }
        if (a instanceof CudaStorage s) {
            return Pointer.to(s.pointer());
        }
        if (a instanceof CUdeviceptr p) {
            return Pointer.to(p);
        }
        if (a instanceof Integer v) {
            return Pointer.to(new int[]{v});
        }
        if (a instanceof Long v) {
            return Pointer.to(new long[]{v});
        }
        if (a instanceof Float v) {
            return Pointer.to(new float[]{v});
        }
        if (a instanceof Double v) {
            return Pointer.to(new double[]{v});
        }
        if (a instanceof int[] v) {
            return Pointer.to(v);
        }
        throw new IllegalArgumentException(where + ": unsupported kernel argument " + i + " of type " + a.getClass());
    }

    void synchronize() {
        makeCurrent();
        Cuda.check(JCudaDriver.cuStreamSynchronize(stream), "cuStreamSynchronize");
    }

    // ---- transfers ----------------------------------------------------------------------------------

    /** Copies the contiguous host tensor {@code host} into new device storage. */
    CudaStorage upload(Tensor host) {
        CpuStorage src = (CpuStorage) host.storage();
        DType dt = host.dtype();
        int n = host.numel();
        CudaStorage dst = allocate(dt, n);
        int es = dt.byteSize();
        int perChunk = PinnedHostPool.BUFFER_BYTES / es;
        synchronized (pinned) {
            PinnedHostPool.Buffer buf = pinned.acquire();
            try {
                for (int done = 0; done < n; done += perChunk) {
                    int cnt = Math.min(perChunk, n - done);
                    ByteBuffer bb = buf.bytes;
                    bb.clear();
                    int from = host.offset() + done;
                    switch (dt) {
                        case F32 -> bb.asFloatBuffer().put(src.floats(), from, cnt);
                        case F16, BF16 -> bb.asShortBuffer().put(src.halves(), from, cnt);
                        case I64 -> bb.asLongBuffer().put(src.longs(), from, cnt);
                    }
                    Cuda.check(JCudaDriver.cuMemcpyHtoDAsync(dst.pointer().withByteOffset((long) done * es), buf.host,
                            (long) cnt * es, stream), "cuMemcpyHtoDAsync");
                    // The buffer is refilled next round: wait for this copy to have read it.
                    synchronize();
                }
            } finally {
                pinned.release(buf);
            }
        }
        return dst;
    }

    /** Copies {@code n} elements from element {@code offset} of {@code src} into a new host storage. */
    CpuStorage download(CudaStorage src, int offset, int n) {
        DType dt = src.dtype();
        CpuStorage dst = CpuStorage.allocate(dt, n);
        int es = dt.byteSize();
        int perChunk = PinnedHostPool.BUFFER_BYTES / es;
        synchronized (pinned) {
            PinnedHostPool.Buffer buf = pinned.acquire();
            try {
                for (int done = 0; done < n; done += perChunk) {
                    int cnt = Math.min(perChunk, n - done);
                    Cuda.check(JCudaDriver.cuMemcpyDtoHAsync(buf.host,
                            src.pointer().withByteOffset((long) (offset + done) * es), (long) cnt * es, stream),
                            "cuMemcpyDtoHAsync");
                    synchronize();
                    ByteBuffer bb = buf.bytes;
                    bb.clear();
                    switch (dt) {
                        case F32 -> bb.asFloatBuffer().get(dst.floats(), done, cnt);
                        case F16, BF16 -> bb.asShortBuffer().get(dst.halves(), done, cnt);
                        case I64 -> bb.asLongBuffer().get(dst.longs(), done, cnt);
                    }
                }
            } finally {
                pinned.release(buf);
            }
        }
        return dst;
    }

    /**
     * A device copy of a small int array that recurs launch after launch (a batched product's per-matrix
     * offsets), uploaded the first time and then shared; the caller must not close it. Each upload waits for
     * the stream (the pinned buffer is reused), so uploading per launch would stall the host behind the GPU
     * at every product of a training step.
     */
    CudaStorage constantInts(int[] values) {
        synchronized (constantInts) {
            // An IntBuffer compares and hashes by content; the stored key wraps a copy the caller cannot change.
            CudaStorage s = constantInts.get(IntBuffer.wrap(values));
            if (s == null) {
                // Shared across steps: never memory of the workspace that happens to be open.
                s = Workspace.untracked(() -> uploadInts(values));
                constantInts.put(IntBuffer.wrap(values.clone()), s);
            }
            return s;
        }
    }

    /** Uploads an int array (offsets, index lists) into new device storage of 4-byte elements. */
    CudaStorage uploadInts(int[] values) {
        int n = values.length;
        CudaStorage dst = allocate(DType.F32, n); // 4-byte slots; the kernels read them as int
        int perChunk = PinnedHostPool.BUFFER_BYTES / 4;
        synchronized (pinned) {
            PinnedHostPool.Buffer buf = pinned.acquire();
            try {
                for (int done = 0; done < n; done += perChunk) {
                    int cnt = Math.min(perChunk, n - done);
                    buf.bytes.clear();
                    buf.bytes.asIntBuffer().put(values, done, cnt);
                    Cuda.check(JCudaDriver.cuMemcpyHtoDAsync(dst.pointer().withByteOffset(4L * done), buf.host,
                            4L * cnt, stream), "cuMemcpyHtoDAsync");
                    synchronize();
                }
            } finally {
                pinned.release(buf);
            }
        }
        return dst;
    }

    // ---- timing -------------------------------------------------------------------------------------

    /** Milliseconds the device spent on {@code work}'s launches (events on the stream). */
    float time(Runnable work) {
        makeCurrent();
        CUevent start = new CUevent();
        CUevent stop = new CUevent();
        Cuda.check(JCudaDriver.cuEventCreate(start, CUevent_flags.CU_EVENT_DEFAULT), "cuEventCreate");
        Cuda.check(JCudaDriver.cuEventCreate(stop, CUevent_flags.CU_EVENT_DEFAULT), "cuEventCreate");
        try {
            Cuda.check(JCudaDriver.cuEventRecord(start, stream), "cuEventRecord");
            work.run();
            Cuda.check(JCudaDriver.cuEventRecord(stop, stream), "cuEventRecord");
            Cuda.check(JCudaDriver.cuEventSynchronize(stop), "cuEventSynchronize");
            float[] ms = new float[1];
            Cuda.check(JCudaDriver.cuEventElapsedTime(ms, start, stop), "cuEventElapsedTime");
            return ms[0];
        } finally {
            JCudaDriver.cuEventDestroy(start);
            JCudaDriver.cuEventDestroy(stop);
        }
    }

    @Override
    public void close() {
        synchronize();
        pinned.close();
        allocator.emptyCache();
        JCudaDriver.cuStreamDestroy(stream);
        JCudaDriver.cuDevicePrimaryCtxRelease(cuDevice);
    }
}
