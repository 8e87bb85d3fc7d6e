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

    /**
     * The Bernoulli draw at position {@code index}: a success with probability {@code p} when this value, in
     * {@code [0, 2²⁴)}, is below {@link #bernoulliThreshold(double) bernoulliThreshold(p)}.
     *
     * <p>Dropout makes one draw per activation, tens of millions per training step, so this stream is built
     * from 32-bit integer operations that a vector unit does sixteen at a time (SplitMix64 needs 64-bit lanes,
     * and on JDK 17 any 64-bit-lane vector code in the process stops C2 from compiling the float kernels well).
     * The high 32 bits of the position pick a key by SplitMix64 ({@link #bernoulliKey}); the low 32 bits are
     * hashed under that key by a 32-bit avalanche permutation (Wellons' "triple32" multipliers and shifts, the
     * key's halves xor-ed in before the first and second multiply); the top 24 bits are the draw.
     */
    public static int bernoulliBits(long seed, long index) {
        return bernoulliBits(bernoulliKey(seed, index >>> 32), (int) index);
    }

    /** The key of the Bernoulli stream for the 2³² positions whose high 32 bits are {@code segment}. */
    public static long bernoulliKey(long seed, long segment) {
        return bits(seed ^ BERNOULLI_STREAM, segment);
    }

    /** The draw for the low 32 bits {@code low} of a position, under its segment's {@code key}. */
    public static int bernoulliBits(long key, int low) {
        int x = low ^ (int) key;
        x ^= x >>> 17;
        x *= BERNOULLI_M1;
        x ^= x >>> 11;
        x ^= (int) (key >>> 32);
        x *= BERNOULLI_M2;
        x ^= x >>> 15;
        x *= BERNOULLI_M3;
        x ^= x >>> 14;
        return x >>> 8;
    }

    /** {@code ceil(p·2²⁴)}: a Bernoulli draw with probability {@code p} (in [0, 1]) succeeds below it. */
    public static int bernoulliThreshold(double p) {
        return (int) Math.ceil(p * 0x1p24);
    }

    /** Separates the Bernoulli keys from the values of {@link #bits} at the same positions. */
    private static final long BERNOULLI_STREAM = 0xD1B54A32D192ED03L;
    /** triple32's multipliers (C. Wellons, "Prospecting for hash functions", 2018). */
    public static final int BERNOULLI_M1 = 0xED5AD4BB;
    public static final int BERNOULLI_M2 = 0xAC4C1B51;
    public static final int BERNOULLI_M3 = 0x31848BAB;

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
