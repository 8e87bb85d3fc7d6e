package io.jformer.tensor.cpu;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * Java arrays handed back by {@link io.jformer.tensor.Workspace}s, by element type and exact length, for the CPU
 * backend's next allocation of that size.
 *
 * <p>Exact lengths, not size classes: a training step repeats the same shapes, so exact matches are the common
 * case, and a longer array would break kernels that take an array's length as the tensor's. Small arrays are not
 * pooled (a thread-local allocation is cheaper than the lock). The pool holds at most its capacity in bytes;
 * beyond that, released arrays are left to the garbage collector, so a run with ever-changing shapes cannot grow
 * it without bound.
 */
final class ArrayPool {

    /** Below this many elements an array is allocated fresh every time. */
    static final int MIN_POOLED_LENGTH = 16 * 1024;

    private final Map<Key, ArrayDeque<Object>> free = new HashMap<>();
    private final long capacityBytes;
    private long heldBytes;
    private long reused;

    private record Key(Class<?> type, int length) {
    }

    ArrayPool(long capacityBytes) {
        this.capacityBytes = capacityBytes;
    }

    /** The default cap: half of the heap the JVM may grow to. */
    static ArrayPool forThisJvm() {
        return new ArrayPool(Runtime.getRuntime().maxMemory() / 2);
    }

    static boolean pooled(int length) {
        return length >= MIN_POOLED_LENGTH;
    }

    /** A previously released array of this type and length, or null. Its contents are stale. */
    synchronized Object take(Class<?> type, int length) {
        ArrayDeque<Object> q = free.get(new Key(type, length));
        Object a = q == null ? null : q.pollLast();
        if (a != null) {
            heldBytes -= bytes(a);
            reused++;
        }
        return a;
    }

    /** Takes an array back (or drops it when the pool is full). */
    synchronized void give(Object array) {
        long b = bytes(array);
        if (heldBytes + b > capacityBytes) {
            return;
        }
        free.computeIfAbsent(new Key(array.getClass(), java.lang.reflect.Array.getLength(array)), k -> new ArrayDeque<>())
                .addLast(array);
        heldBytes += b;
    }

    /** Drops every pooled array (for the garbage collector to reclaim). */
    synchronized void clear() {
        free.clear();
        heldBytes = 0;
    }

    synchronized long heldBytes() {
        return heldBytes;
    }

    /** Allocations served from the pool so far. */
    synchronized long reusedCount() {
        return reused;
    }

    private static long bytes(Object array) {
        if (array instanceof float[] f) {
            return 4L * f.length;
        }
        if (array instanceof long[] l) {
            return 8L * l.length;
        }
        if (array instanceof short[] s) {
            return 2L * s.length;
        }
        throw new IllegalArgumentException("not a pooled array type: " + array.getClass());
    }
}
