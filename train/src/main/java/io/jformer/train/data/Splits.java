package io.jformer.train.data;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Seeded subsets and train/validation splits. */
public final class Splits {

    private Splits() {
    }

    /** The pair (train, validation): a seeded shuffle, the last {@code fraction} held out. */
    public record TrainValidation(List<Example> train, List<Example> validation) {
    }

    /**
     * A seeded shuffle of {@code all} split into (train, validation), the last {@code fraction} (in [0, 1),
     * rounded) held out.
     */
    public static TrainValidation split(List<Example> all, double fraction, long seed) {
        if (!(fraction >= 0 && fraction < 1)) {
            throw new IllegalArgumentException("validation fraction must be in [0, 1), got " + fraction);
        }
        List<Example> shuffled = shuffled(all, seed);
        int held = (int) Math.round(all.size() * fraction);
        return new TrainValidation(List.copyOf(shuffled.subList(0, all.size() - held)),
                List.copyOf(shuffled.subList(all.size() - held, all.size())));
    }

    /** A seeded random subset of {@code n} examples (all of them, shuffled, when {@code n} is larger). */
    public static List<Example> sample(List<Example> all, int n, long seed) {
        List<Example> shuffled = shuffled(all, seed);
        return List.copyOf(shuffled.subList(0, Math.min(n, shuffled.size())));
    }

    private static List<Example> shuffled(List<Example> all, long seed) {
        List<Example> copy = new ArrayList<>(all);
        java.util.Collections.shuffle(copy, new Random(seed));
        return copy;
    }
}
