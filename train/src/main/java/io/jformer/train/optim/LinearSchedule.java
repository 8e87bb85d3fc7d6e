package io.jformer.train.optim;

/**
 * Linear warm-up from 0 to the base rate over {@code warmupSteps}, then linear decay to 0 at
 * {@code totalSteps} (Hugging Face's {@code get_linear_schedule_with_warmup}).
 */
public record LinearSchedule(double baseLr, long warmupSteps, long totalSteps) {

    /** Checks that the steps are not negative and the warm-up fits in the total. */
    public LinearSchedule {
        if (totalSteps < 1 || warmupSteps < 0 || warmupSteps > totalSteps) {
            throw new IllegalArgumentException("bad schedule: warm-up " + warmupSteps + " of " + totalSteps + " steps");
        }
    }

    /** Warm-up given as a fraction of the total, rounded up as the Trainer does. */
    public static LinearSchedule withWarmupRatio(double baseLr, double ratio, long totalSteps) {
        return new LinearSchedule(baseLr, (long) Math.ceil(ratio * totalSteps), totalSteps);
    }

    /** The rate for the update after {@code completedSteps} optimizer steps. */
    public double rate(long completedSteps) {
        if (completedSteps < warmupSteps) {
            return baseLr * completedSteps / Math.max(1, warmupSteps);
        }
        return baseLr * Math.max(0.0, (double) (totalSteps - completedSteps) / Math.max(1, totalSteps - warmupSteps));
    }
}
