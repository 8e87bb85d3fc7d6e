package io.jformer.tensor;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * A region of code whose temporary tensors are handed back to their backend when it closes, so the next region
 * reuses their memory instead of allocating it again.
 *
 * <p>Why: a bert-base training step makes several gigabytes of activations and gradients that all die at the
 * end of the step. Left to the garbage collector they are zeroed on allocation, copied between generations while
 * the step still holds them, and compacted; on two cores that cost a third of the step and doubled the resident
 * memory. Inside a workspace the same buffers go round from step to step.
 *
 * <pre>{@code
 * try (Workspace ws = Workspace.open()) {
 *     Variable loss = crossEntropy(model.forward(ids, null, mask), labels);
 *     loss.backward();              // parameter gradients are not workspace memory (see below)
 *     total += loss.data().item();  // read what you need before close
 * }
 * }</pre>
 *
 * <p>The contract: every storage a backend allocates on this thread while the workspace is open belongs to it,
 * and after {@link #close()} any tensor over that storage must not be read again. Results that must outlive
 * the region are either passed to {@link #keep(Tensor)} or created inside {@link #untracked(Supplier)} (as
 * autograd does for parameter gradients and the optimizer for its moments). Work done on other threads is not
 * tracked. Workspaces nest: a tensor kept by an inner workspace belongs to the outer one.
 *
 * <p>Setting the system property {@code jformer.workspace.poison=true} fills released F32 memory with NaN, so
 * a tensor read after its workspace closed shows up as NaN in tests instead of as plausible stale numbers.
 */
public final class Workspace implements AutoCloseable {

    private static final ThreadLocal<Workspace> CURRENT = new ThreadLocal<>();
    private static final ThreadLocal<Integer> SUSPENDED = ThreadLocal.withInitial(() -> 0);
    private static final boolean POISON = Boolean.getBoolean("jformer.workspace.poison");

    private final Workspace outer;
    private final Thread owner;
    /** Storages this workspace will release, with the order they were allocated in (see {@link #mark()}). */
    private final Map<Storage, Long> owned = new IdentityHashMap<>();
    private final Set<Storage> kept = Collections.newSetFromMap(new IdentityHashMap<>());
    private long allocations;
    private boolean closed;

    private Workspace(Workspace outer) {
        this.outer = outer;
        this.owner = Thread.currentThread();
    }

    /** Opens a workspace on the calling thread; close it on the same thread (try-with-resources). */
    public static Workspace open() {
        Workspace ws = new Workspace(CURRENT.get());
        CURRENT.set(ws);
        return ws;
    }

    /** Whether the release poisons memory (the {@code jformer.workspace.poison} property). */
    public static boolean poisons() {
        return POISON;
    }

    /**
     * Runs {@code body} with no workspace tracking its allocations: what it creates belongs to the caller and is
     * left to the garbage collector. For state that outlives a step, such as gradients and optimizer moments.
     */
    public static <T> T untracked(Supplier<T> body) {
        SUSPENDED.set(SUSPENDED.get() + 1);
        try {
            return body.get();
        } finally {
            SUSPENDED.set(SUSPENDED.get() - 1);
        }
    }

    /** Called by backends for each storage they allocate: the open workspace on this thread, if any, owns it. */
    public static void track(Storage storage) {
        Workspace ws = CURRENT.get();
        if (ws != null && SUSPENDED.get() == 0) {
            ws.owned.put(storage, ws.allocations++);
        }
    }

    /** The innermost workspace open on this thread, or null. */
    public static Workspace current() {
        return CURRENT.get();
    }

    /** A position in this workspace's allocation order: {@link #releaseNow} only frees what came after it. */
    public long mark() {
        return allocations;
    }

    /**
     * Releases {@code tensor}'s storage before the workspace closes, for code that knows the tensor is dead: it
     * must have been allocated in this workspace after {@code mark} and have no other reader. Does nothing (and
     * returns false) for storage this workspace does not own, kept storage, or storage from before the mark.
     * Autograd uses it for each gradient once the graph has consumed it.
     */
    public boolean releaseNow(Tensor tensor, long mark) {
        requireOpen("releaseNow");
        Storage s = tensor.storage();
        Long seq = owned.get(s);
        if (seq == null || seq < mark || kept.contains(s)) {
            return false;
        }
        owned.remove(s);
        Backends.forDevice(s.device()).recycle(s);
        return true;
    }

    /** Excludes {@code tensor}'s storage from this workspace's release; returns the tensor. */
    public Tensor keep(Tensor tensor) {
        requireOpen("keep");
        kept.add(tensor.storage());
        return tensor;
    }

    /** Storages this workspace will release at close (for tests and diagnostics). */
    public int ownedCount() {
        return owned.size() - (int) owned.keySet().stream().filter(kept::contains).count();
    }

    /** Hands every storage allocated in this workspace and not kept back to its backend. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        if (Thread.currentThread() != owner) {
            throw new IllegalStateException("a workspace must be closed on the thread that opened it ("
                    + owner.getName() + "), not on " + Thread.currentThread().getName());
        }
        if (CURRENT.get() != this) {
            throw new IllegalStateException("workspaces must close innermost first: an inner workspace is still open");
        }
        closed = true;
        CURRENT.set(outer);
        for (Storage s : owned.keySet()) {
            if (kept.contains(s)) {
                if (outer != null) {
                    outer.owned.put(s, outer.allocations++);
                }
            } else {
                Backends.forDevice(s.device()).recycle(s);
            }
        }
        owned.clear();
        kept.clear();
    }

    private void requireOpen(String what) {
        if (closed) {
            throw new IllegalStateException(what + ": the workspace is already closed");
        }
    }
}
