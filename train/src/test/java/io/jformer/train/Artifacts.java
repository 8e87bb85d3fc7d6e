package io.jformer.train;

import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Real weights and data fetched by {@code scripts/fetch.sh} into the jformer cache. A test that needs one
 * is skipped, saying what to fetch, when it is absent — except under CI (which fetches them first), where
 * a missing artifact is a failure rather than a silent skip.
 */
public final class Artifacts {

    private Artifacts() {
    }

    public static Path cache() {
        String env = System.getenv("JFORMER_CACHE");
        return env != null ? Path.of(env) : Path.of(System.getProperty("user.home"), ".cache", "jformer");
    }

    /** {@code relative} inside the cache, or a skipped/failed test naming the fetch command. */
    public static Path require(String relative, String fetchName) {
        Path p = cache().resolve(relative);
        if (!Files.exists(p)) {
            String why = p + " is missing: run scripts/fetch.sh " + fetchName;
            if (System.getenv("CI") != null) {
                throw new AssertionError(why);
            }
            Assumptions.assumeTrue(false, why);
        }
        return p;
    }

    public static Path imdbReviews() {
        return require("data/imdb/reviews.json", "imdb");
    }

    public static Path miniLmOnnx() {
        return require("models/all-minilm-l6-v2/model.onnx", "minilm");
    }
}
