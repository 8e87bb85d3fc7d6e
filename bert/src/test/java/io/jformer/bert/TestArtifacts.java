package io.jformer.bert;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Where tests find the real artifacts that {@code scripts/fetch.sh} puts in the cache
 * ({@code $JFORMER_CACHE}, default {@code ~/.cache/jformer}). A missing artifact skips the test (with the
 * command that fetches it), except under CI (environment variable {@code CI} set), which fetches them first,
 * where it fails.
 */
public final class TestArtifacts {
    private TestArtifacts() {}

    /** fetch.sh's name for each model directory. */
    private static final Map<String, String> FETCH_NAMES = Map.of(
            "all-minilm-l6-v2", "minilm",
            "bge-small-en-v15", "bge",
            "e5-small-v2", "e5");

    /** The IMDB review texts, read once (66 MB of JSON) and kept: a static cache, filled on first use. */
    private static volatile List<String> imdbCache;

    /** The artifact cache: {@code $JFORMER_CACHE}, or {@code ~/.cache/jformer}. */
    public static Path cache() {
        String env = System.getenv("JFORMER_CACHE");
        if (env != null && !env.isEmpty()) return Path.of(env);
        return Path.of(System.getProperty("user.home"), ".cache", "jformer");
    }

    /** A model directory under {@code models/} (e.g. {@code all-minilm-l6-v2}); skips the test if it is not there. */
    public static Path model(String dirName) {
        Path dir = cache().resolve("models").resolve(dirName);
        require(Files.isDirectory(dir) && hasFiles(dir), FETCH_NAMES.getOrDefault(dirName, dirName), dir);
        return dir;
    }

    /** {@code data/imdb/reviews.json}; skips the test if it is not there. */
    public static Path imdbReviews() {
        Path p = cache().resolve("data").resolve("imdb").resolve("reviews.json");
        require(Files.isRegularFile(p), "imdb", p);
        return p;
    }

    /**
     * {@code n} IMDB review texts, chosen by a shuffle of all 50,000 with {@code new Random(seed)}; the same
     * {@code (n, seed)} always gives the same texts in the same order.
     */
    public static List<String> imdbTexts(int n, long seed) {
        List<String> all = allImdbTexts();
        if (n > all.size()) throw new IllegalArgumentException("asked for " + n + " reviews, there are " + all.size());
        List<Integer> order = new ArrayList<>(all.size());
        for (int i = 0; i < all.size(); i++) order.add(i);
        Collections.shuffle(order, new Random(seed));
        List<String> r = new ArrayList<>(n);
        for (int i = 0; i < n; i++) r.add(all.get(order.get(i)));
        return r;
    }

    private static List<String> allImdbTexts() {
        List<String> c = imdbCache;
        if (c != null) return c;
        synchronized (TestArtifacts.class) {
            if (imdbCache == null) imdbCache = readTexts(imdbReviews());
            return imdbCache;
        }
    }

    /** Streams {@code [{"t": text, "s": label}, …]}, keeping the texts. */
    private static List<String> readTexts(Path p) {
        List<String> texts = new ArrayList<>(50_000);
        try (JsonParser jp = new ObjectMapper().getFactory().createParser(p.toFile())) {
            if (jp.nextToken() != JsonToken.START_ARRAY) throw new IOException(p + ": expected a JSON array");
            while (jp.nextToken() == JsonToken.START_OBJECT) {
                String text = null;
                while (jp.nextToken() == JsonToken.FIELD_NAME) {
                    String name = jp.currentName();
                    jp.nextToken();
                    if (name.equals("t")) text = jp.getText();
                    else jp.skipChildren();
                }
                if (text == null) throw new IOException(p + ": review " + texts.size() + " has no \"t\"");
                texts.add(text);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Collections.unmodifiableList(texts);
    }

    private static boolean hasFiles(Path dir) {
        try (var s = Files.list(dir)) {
            return s.findAny().isPresent();
        } catch (IOException e) {
            return false;
        }
    }

    private static void require(boolean present, String fetchName, Path where) {
        if (present) return;
        String msg = "run scripts/fetch.sh " + fetchName + " (missing " + where + ")";
        String ci = System.getenv("CI");
        if (ci != null && !ci.isEmpty()) fail(msg);
        assumeTrue(false, msg);
    }
}
