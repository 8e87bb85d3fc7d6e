package io.jformer.kernels;

import jcuda.Pointer;
import jcuda.driver.JCudaDriver;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;

/**
 * Page-locked host buffers ({@code cuMemAllocHost}) for host-device copies, which run at full PCIe speed and
 * asynchronously only from pinned memory. Buffers have one fixed size; larger transfers go through them in
 * chunks, so the pool stays small. Not thread-safe on its own: the backend serialises transfers.
 */
final class PinnedHostPool implements AutoCloseable {

    /** Size of every buffer: big enough to amortise a copy's latency, small enough to keep a few. */
    static final int BUFFER_BYTES = 8 << 20;
    static final int MAX_POOLED = 4;

    /** One pinned buffer and its direct-buffer view. */
    static final class Buffer {
        final Pointer host;
        final ByteBuffer bytes;

        private Buffer(Pointer host) {
            this.host = host;
            this.bytes = host.getByteBuffer(0, BUFFER_BYTES).order(ByteOrder.nativeOrder());
        }
    }

    private final ArrayDeque<Buffer> free = new ArrayDeque<>();

    Buffer acquire() {
        Buffer b = free.poll();
        if (b != null) {
            b.bytes.clear();
            return b;
        }
        Pointer p = new Pointer();
        Cuda.check(JCudaDriver.cuMemAllocHost(p, BUFFER_BYTES), "cuMemAllocHost(" + BUFFER_BYTES + ")");
        return new Buffer(p);
    }

    void release(Buffer b) {
        if (free.size() < MAX_POOLED) {
            free.push(b);
        } else {
            JCudaDriver.cuMemFreeHost(b.host);
        }
    }

    @Override
    public void close() {
        for (Buffer b : free) {
            JCudaDriver.cuMemFreeHost(b.host);
        }
        free.clear();
    }
}
