package io.jformer.autograd;

/**
 * Whether ops on this thread record a graph. {@link #noGrad()} opens a scope in which they do not
 * (evaluation, optimizer updates); scopes nest and are per thread.
 *
 * <pre>{@code
 * try (var scope = GradMode.noGrad()) {
 *     logits = model.forward(batch);
 * }
 * }</pre>
 */
public final class GradMode {

    private static final ThreadLocal<int[]> DISABLED_DEPTH = ThreadLocal.withInitial(() -> new int[1]);

    private GradMode() {
    }

    /** A scope, closed by try-with-resources, in which no graph is recorded. */
    public static Scope noGrad() {
        DISABLED_DEPTH.get()[0]++;
        return new Scope();
    }

    /** Whether ops on this thread currently record a graph. */
    public static boolean isEnabled() {
        return DISABLED_DEPTH.get()[0] == 0;
    }

    /** The scope returned by {@link #noGrad()}. */
    public static final class Scope implements AutoCloseable {
        private boolean closed;

        private Scope() {
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                DISABLED_DEPTH.get()[0]--;
            }
        }
    }
}
