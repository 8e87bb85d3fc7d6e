package io.jformer.tensor;

/**
 * A seeded source of random numbers for tensor creation and dropout.
 *
 * <p>Counter-based: element {@code i} of a draw is a pure function of (seed, counter + i), so a kernel
 * can fill a tensor in parallel, on any device, and get the same values as a serial loop. Each draw
 * advances the counter by the number of values it consumed, so consecutive draws never overlap.
 * Not thread-safe: one generator belongs to one training loop.
 */
public final class Generator {

    private final long seed;
    private long counter;

    /** A generator at the start of the stream for {@code seed}. */
    public Generator(long seed) {
        this.seed = seed;
    }

    /** The seed this generator was created with. */
    public long seed() {
        return seed;
    }

    /** The position of the next draw (saved in checkpoints to resume a run exactly). */
    public long counter() {
        return counter;
    }

    /** Restores the position saved from {@link #counter()}. */
    public void setCounter(long counter) {
        this.counter = counter;
    }

    /** Reserves {@code n} consecutive counters and returns the first. */
    public long reserve(long n) {
        long first = counter;
        counter += n;
        return first;
    }

    /** 64 well-mixed bits for position {@code index} of the stream {@code seed} (SplitMix64 finaliser). */
    public static long bits(long seed, long index) {
        long z = seed * 0x9E3779B97F4A7C15L + (index + 1) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Uniform in [0, 1) with 24 random bits, for position {@code index}. */
    public static float uniform(long seed, long index) {
        return (bits(seed, index) >>> 40) * 0x1p-24f;
    }

    /** Standard normal for position {@code index} (Box-Muller on two independent 32-bit halves). */
    public static float normal(long seed, long index) {
        long r = bits(seed, index);
        double u1 = ((r >>> 40) + 1) * 0x1p-24; // (0, 1]: log never sees zero
        double u2 = (r & 0xffffffL) * 0x1p-24;
        return (float) (Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(2.0 * Math.PI * u2));
    }
}
