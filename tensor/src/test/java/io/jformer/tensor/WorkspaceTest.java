package io.jformer.tensor;

import io.jformer.tensor.cpu.CpuBackend;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The workspace contract: what a closed workspace owned is reused, zeroed, by later allocations of the same size;
 * what it kept, what was made untracked and what was made outside it is never handed out again.
 * Sizes are above the pool's minimum so every tensor here is poolable.
 */
class WorkspaceTest {

    private static final int N = 64 * 1024;
    private final CpuBackend cpu = Backends.cpu();

    private static float[] storageArray(Tensor t) {
        return ((io.jformer.tensor.cpu.CpuStorage) t.storage()).floats();
    }

    @Test
    void closedWorkspaceMemoryIsReusedAndZeroed() {
        float[] released;
        try (Workspace ws = Workspace.open()) {
            Tensor t = Tensor.full(7.0, N + 1);
            released = storageArray(t);
            assertEquals(1, ws.ownedCount());
        }
        // CpuStorage.allocate promises zeros, as a fresh Java array has: a reused array is zeroed first.
        io.jformer.tensor.cpu.CpuStorage again = io.jformer.tensor.cpu.CpuStorage.allocate(DType.F32, N + 1);
        assertTrue(released == again.floats(), "the next allocation of that size takes the released array");
        assertArrayEquals(new float[N + 1], again.floats());
        Tensor fresh = Tensor.empty(Shape.of(N + 1), DType.F32, Device.CPU);
        assertFalse(released == storageArray(fresh), "one array is never handed to two live tensors");
    }

    @Test
    void keptUntrackedAndOutsideTensorsSurvive() {
        Tensor outside = Tensor.full(1.0, N + 2);
        Tensor kept;
        Tensor untracked;
        try (Workspace ws = Workspace.open()) {
            kept = ws.keep(Tensor.full(2.0, N + 2));
            untracked = Workspace.untracked(() -> Tensor.full(3.0, N + 2));
            Tensor.full(4.0, N + 2);
            assertEquals(1, ws.ownedCount(), "only the temporary is the workspace's");
        }
        // Three allocations of the same size: none may take the survivors' arrays.
        for (int i = 0; i < 3; i++) {
            Tensor t = Tensor.full(-1.0, N + 2);
            assertFalse(storageArray(t) == storageArray(outside));
            assertFalse(storageArray(t) == storageArray(kept));
            assertFalse(storageArray(t) == storageArray(untracked));
        }
        assertEquals(1.0f, outside.toFloatArray()[N]);
        assertEquals(2.0f, kept.toFloatArray()[N]);
        assertEquals(3.0f, untracked.toFloatArray()[N]);
    }

    @Test
    void keptByAnInnerWorkspaceBelongsToTheOuter() {
        float[] array;
        try (Workspace outer = Workspace.open()) {
            try (Workspace inner = Workspace.open()) {
                array = storageArray(inner.keep(Tensor.full(5.0, N + 3)));
            }
            assertEquals(1, outer.ownedCount());
            assertFalse(array == storageArray(Tensor.zeros(N + 3)), "still alive inside the outer workspace");
        }
        // The outer workspace released two arrays of this size (the kept one and the one just made): the next
        // two allocations take both, in either order.
        float[] first = storageArray(Tensor.zeros(N + 3));
        float[] second = storageArray(Tensor.zeros(N + 3));
        assertTrue(array == first || array == second, "released when the outer one closed");
    }

    @Test
    void releaseNowFreesOnlyWhatCameAfterTheMark() {
        try (Workspace ws = Workspace.open()) {
            Tensor before = Tensor.zeros(N + 4);
            long mark = ws.mark();
            Tensor after = Tensor.zeros(N + 4);
            assertFalse(ws.releaseNow(before, mark), "allocated before the mark");
            assertTrue(ws.releaseNow(after, mark));
            assertFalse(ws.releaseNow(after, mark), "already released");
            assertTrue(storageArray(after) == storageArray(Tensor.zeros(N + 4)));
        }
    }

    @Test
    void poisonedReleaseTurnsStaleReadsIntoNaN() {
        // Only meaningful with the property on (the test suites set it, see the parent pom).
        if (!Workspace.poisons()) {
            return;
        }
        Tensor stale;
        try (Workspace ignored = Workspace.open()) {
            stale = Tensor.full(1.0, N + 5);
        }
        // Read the array itself: copying the tensor out would allocate, and could be handed this very array.
        assertTrue(Float.isNaN(storageArray(stale)[0]));
    }

    @Test
    void smallTensorsAreNotTracked() {
        try (Workspace ws = Workspace.open()) {
            Tensor.zeros(16);
            assertEquals(0, ws.ownedCount());
        }
    }

    @Test
    void misuseIsReported() {
        Workspace outer = Workspace.open();
        Workspace inner = Workspace.open();
        IllegalStateException e = assertThrows(IllegalStateException.class, outer::close);
        assertTrue(e.getMessage().contains("innermost first"), e.getMessage());
        inner.close();
        outer.close();
        assertThrows(IllegalStateException.class, () -> outer.keep(Tensor.zeros(4)));

        AtomicReference<Throwable> failure = new AtomicReference<>();
        Workspace mine = Workspace.open();
        Thread other = new Thread(() -> {
            try {
                mine.close();
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        other.start();
        try {
            other.join();
        } catch (InterruptedException ex) {
            throw new AssertionError(ex);
        }
        mine.close();
        assertTrue(failure.get() instanceof IllegalStateException, String.valueOf(failure.get()));
        assertTrue(failure.get().getMessage().contains("thread that opened it"));
    }

    @Test
    void recyclingTwiceIsAnError() {
        Tensor t = Tensor.zeros(N + 6);
        cpu.recycle(t.storage());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> cpu.recycle(t.storage()));
        assertTrue(e.getMessage().contains("already recycled"), e.getMessage());
    }

    @Test
    void accumulateAddsInPlaceWithABroadcastBias() {
        Tensor x = Tensor.of(new float[]{1, 2, 3, 4, 5, 6}, 2, 3);
        float[] before = storageArray(x);
        x.addInPlace(Tensor.of(new float[]{10, 20, 30}, 3));
        assertTrue(before == storageArray(x), "in place");
        assertArrayEquals(new float[]{11, 22, 33, 14, 25, 36}, x.toFloatArray());
        // A layout the fast paths do not take goes through the generic add-and-copy.
        Tensor col = Tensor.of(new float[]{100, 200}, 2, 1);
        x.addInPlace(col);
        assertArrayEquals(new float[]{111, 122, 133, 214, 225, 236}, x.toFloatArray());
    }
}
