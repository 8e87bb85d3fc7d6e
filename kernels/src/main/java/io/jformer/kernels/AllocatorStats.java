package io.jformer.kernels;

/**
 * A snapshot of the caching allocator's counters.
 *
 * @param allocatedBytes     bytes in blocks handed out and not yet released (live tensors), rounded sizes
 * @param reservedBytes      bytes held from the driver: allocated plus cached
 * @param cachedBytes        bytes in released blocks kept for reuse
 * @param peakAllocatedBytes the highest {@code allocatedBytes} seen
 * @param peakReservedBytes  the highest {@code reservedBytes} seen
 * @param mallocCalls        number of raw device allocations ({@code cuMemAlloc})
 * @param freeCalls          number of raw device frees ({@code cuMemFree})
 * @param cacheHits          allocations served from the cache
 * @param requests           allocations asked for
 */
public record AllocatorStats(long allocatedBytes, long reservedBytes, long cachedBytes, long peakAllocatedBytes,
                             long peakReservedBytes, long mallocCalls, long freeCalls, long cacheHits, long requests) {

    @Override
    public String toString() {
        return "allocated " + CachingAllocator.formatBytes(allocatedBytes) + ", reserved "
                + CachingAllocator.formatBytes(reservedBytes) + " (cached " + CachingAllocator.formatBytes(cachedBytes)
                + "), peak allocated " + CachingAllocator.formatBytes(peakAllocatedBytes) + ", " + mallocCalls
                + " cuMemAlloc calls, " + cacheHits + " of " + requests + " requests served from the cache";
    }
}
