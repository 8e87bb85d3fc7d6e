package io.jformer.kernels;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The allocator's bookkeeping on a fake device with a fixed capacity. */
class CachingAllocatorTest {

    /** A device of {@code capacity} bytes that hands out numbered handles. */
    static final class FakeDevice implements RawDeviceMemory {
        final long capacity;
        long used;
        int mallocs;
        int frees;
        final Set<Object> live = new HashSet<>();
        final List<Long> sizes = new ArrayList<>();

        FakeDevice(long capacity) {
            this.capacity = capacity;
        }

        @Override
        public Object malloc(long bytes) {
            if (used + bytes > capacity) {
                return null;
            }
            used += bytes;
            mallocs++;
            sizes.add(bytes);
            Object h = new long[]{bytes};
            live.add(h);
            return h;
        }

        @Override
        public void free(Object handle) {
            assertTrue(live.remove(handle), "freed a handle that is not live");
            used -= ((long[]) handle)[0];
            frees++;
        }

        @Override
        public long[] memInfo() {
            return new long[]{capacity - used, capacity};
        }
    }

    @Test
    void sizeClassesRoundUpTo512BytesThenQuarterPowersOfTwo() {
        assertEquals(512, CachingAllocator.roundSize(0));
        assertEquals(512, CachingAllocator.roundSize(1));
        assertEquals(512, CachingAllocator.roundSize(512));
        assertEquals(1024, CachingAllocator.roundSize(513));
        assertEquals(1 << 20, CachingAllocator.roundSize(1 << 20));
        assertEquals((1 << 20) + (1 << 18), CachingAllocator.roundSize((1 << 20) + 1));
        assertEquals(3L << 29, CachingAllocator.roundSize((1L << 30) + (1L << 29) - 5));
        for (long b = 1; b < 1L << 34; b = b * 3 + 7) {
            long r = CachingAllocator.roundSize(b);
            assertTrue(r >= b && r <= Math.max(512, b + b / 4 + 512), "class " + r + " for " + b);
        }
    }

    @Test
    void releasedBlocksAreReusedForTheSameClassWithoutNewMallocs() {
        FakeDevice dev = new FakeDevice(1 << 30);
        CachingAllocator a = new CachingAllocator(dev, () -> { });
        CachingAllocator.Block b1 = a.allocate(1000);
        a.release(b1);
        CachingAllocator.Block b2 = a.allocate(900); // same 1024-byte class
        assertSame(b1.handle(), b2.handle());
        CachingAllocator.Block b3 = a.allocate(5000); // another class: a new allocation
        assertNotSame(b2.handle(), b3.handle());
        AllocatorStats s = a.stats();
        assertEquals(2, s.mallocCalls());
        assertEquals(1, s.cacheHits());
        assertEquals(3, s.requests());
        assertEquals(1024 + 5120, s.allocatedBytes());
        assertEquals(1024 + 5120, s.reservedBytes());
        assertEquals(0, s.cachedBytes());
    }

    @Test
    void statisticsTrackAllocatedReservedCachedAndPeaks() {
        FakeDevice dev = new FakeDevice(1 << 30);
        CachingAllocator a = new CachingAllocator(dev, () -> { });
        CachingAllocator.Block x = a.allocate(4096);
        CachingAllocator.Block y = a.allocate(8192);
        a.release(x);
        AllocatorStats s = a.stats();
        assertEquals(8192, s.allocatedBytes());
        assertEquals(4096 + 8192, s.reservedBytes());
        assertEquals(4096, s.cachedBytes());
        assertEquals(4096 + 8192, s.peakAllocatedBytes());
        a.release(y);
        a.emptyCache();
        s = a.stats();
        assertEquals(0, s.allocatedBytes());
        assertEquals(0, s.reservedBytes());
        assertEquals(0, s.cachedBytes());
        assertEquals(2, s.freeCalls());
        assertEquals(4096 + 8192, s.peakReservedBytes());
        assertEquals(0, dev.used);
    }

    @Test
    void outOfMemoryFirstEmptiesTheCacheThenReclaimsThenRetries() {
        FakeDevice dev = new FakeDevice(10 * 1024);
        int[] reclaims = {0};
        CachingAllocator a = new CachingAllocator(dev, () -> reclaims[0]++);
        CachingAllocator.Block small = a.allocate(4096);
        a.release(small); // cached: 4 KiB held by the cache
        CachingAllocator.Block big = a.allocate(8192); // fits only once the cache is emptied
        assertEquals(8192, big.size());
        assertEquals(0, reclaims[0], "emptying the cache sufficed");
        assertEquals(1, dev.frees);
    }

    @Test
    void outOfMemoryMessageSaysWhatWasAskedAndWhatIsHeld() {
        FakeDevice dev = new FakeDevice(8192);
        int[] reclaims = {0};
        CachingAllocator a = new CachingAllocator(dev, () -> reclaims[0]++);
        a.allocate(6000);
        CudaOutOfMemoryException e = assertThrows(CudaOutOfMemoryException.class, () -> a.allocate(3000));
        assertEquals(1, reclaims[0], "one reclaim attempt before giving up");
        String m = e.getMessage();
        assertTrue(m.contains("tried to allocate 2.93 KiB"), m);
        assertTrue(m.contains("holds 6.00 KiB in live tensors"), m);
        assertTrue(m.contains("2.00 KiB free of 8.00 KiB"), m);
    }

    @Test
    void reclaimedBlocksSatisfyTheRetry() {
        FakeDevice dev = new FakeDevice(8192);
        CachingAllocator[] ref = new CachingAllocator[1];
        CachingAllocator.Block[] held = new CachingAllocator.Block[1];
        // The reclaim hook plays the cleaner: it releases a block a dead tensor held.
        ref[0] = new CachingAllocator(dev, () -> ref[0].release(held[0]));
        held[0] = ref[0].allocate(8192);
        CachingAllocator.Block b = ref[0].allocate(8192);
        assertSame(held[0].handle(), b.handle());
    }

    @Test
    void doubleReleaseIsAnError() {
        CachingAllocator a = new CachingAllocator(new FakeDevice(1 << 20), () -> { });
        CachingAllocator.Block b = a.allocate(100);
        a.release(b);
        assertThrows(IllegalStateException.class, () -> a.release(b));
    }
}
