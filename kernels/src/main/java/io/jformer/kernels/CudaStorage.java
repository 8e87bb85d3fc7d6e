package io.jformer.kernels;

import io.jformer.tensor.DType;
import io.jformer.tensor.Device;
import io.jformer.tensor.Storage;
import jcuda.driver.CUdeviceptr;

import java.lang.ref.Cleaner;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Device memory for {@code length} elements of one dtype, a block of the {@link CachingAllocator}. The block
 * goes back to the allocator's cache on {@link #close()} or, failing that, when the storage becomes
 * unreachable (a {@link Cleaner}); all work runs on one stream, so a block reused by a later kernel is
 * ordered after every earlier use.
 */
public final class CudaStorage implements Storage, AutoCloseable {

    private static final Cleaner CLEANER = Cleaner.create();

    private final Device device;
    private final DType dtype;
    private final int length;
    private final CUdeviceptr pointer;
    private final Cleaner.Cleanable cleanable;

    CudaStorage(Device device, DType dtype, int length, CachingAllocator allocator, CachingAllocator.Block block) {
        this.device = device;
        this.dtype = dtype;
        this.length = length;
        this.pointer = (CUdeviceptr) block.handle();
        this.cleanable = CLEANER.register(this, new Release(allocator, block));
    }

    /** Returns the block exactly once, whichever of close() and the cleaner comes first. The action must not refer to the storage. */
    private record Release(CachingAllocator allocator, CachingAllocator.Block block, AtomicBoolean done)
            implements Runnable {
        Release(CachingAllocator allocator, CachingAllocator.Block block) {
            this(allocator, block, new AtomicBoolean());
        }

        @Override
        public void run() {
            if (done.compareAndSet(false, true)) {
                allocator.release(block);
            }
        }
    }

    /** The device address of element 0. */
    public CUdeviceptr pointer() {
        return pointer;
    }

    @Override
    public Device device() {
        return device;
    }

    @Override
    public DType dtype() {
        return dtype;
    }

    @Override
    public int length() {
        return length;
    }

    /** Bytes of the elements (not of the rounded block). */
    public long byteSize() {
        return (long) length * dtype.byteSize();
    }

    /** Returns the memory to the allocator now; the storage (and every tensor over it) must not be used after. */
    @Override
    public void close() {
        cleanable.clean();
    }
}
