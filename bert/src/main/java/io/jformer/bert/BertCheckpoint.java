package io.jformer.bert;

import io.jformer.nn.LoadReport;
import io.jformer.nn.Module;
import io.jformer.tensor.ShapeMismatchException;
import io.jformer.tensor.Tensor;
import io.jformer.tensor.io.SafeTensors;
import io.jformer.tensor.io.SafeTensorsFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Loads and saves BERT checkpoints as Hugging Face directories: {@code config.json}, {@code model.safetensors}
 * and the tokenizer files.
 *
 * <p>Loading accepts keys with or without the {@code bert.} prefix and LayerNorm {@code gamma}/{@code beta} as
 * well as {@code weight}/{@code bias}. A classification head or pooler the checkpoint lacks is freshly
 * initialised and reported; any other missing weight is an error naming the tensor and the file.
 */
public final class BertCheckpoint {

    /** The weights file inside a model directory. */
    public static final String WEIGHTS = "model.safetensors";
    /** Tokenizer files copied along with a model, when the source has them. */
    public static final List<String> TOKENIZER_FILES =
            List.of("vocab.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json");
    private static final String PREFIX = "bert.";
    private static final Logger LOG = LoggerFactory.getLogger(BertCheckpoint.class);

    private BertCheckpoint() {
    }

    /**
     * A classifier from {@code dir}; {@code labels} (or null to keep the config's) names the classes. A
     * checkpoint without a head (a plain encoder) gets a fresh one, initialised from {@code seed}.
     */
    public static Pretrained<BertForSequenceClassification> loadClassifier(Path dir, List<String> labels, long seed,
                                                                           double dropoutOverride)
            throws IOException {
        BertConfig config = BertConfig.read(dir.resolve("config.json"));
        if (labels != null && !labels.equals(config.id2label())) {
            config = config.withLabels(labels);
        }
        if (dropoutOverride >= 0) {
            config = config.withDropout(dropoutOverride);
        }
        Path weights = dir.resolve(WEIGHTS);
        Map<String, Tensor> state = withPrefix(normalizeNames(read(weights)));
        if (labels != null && state.containsKey("classifier.weight")
                && state.get("classifier.weight").size(0) != labels.size()) {
            // A head trained for other classes cannot be reused: start a new one, as Hugging Face does with
            // ignore_mismatched_sizes=True.
            state.remove("classifier.weight");
            state.remove("classifier.bias");
        }
        BertForSequenceClassification model = new BertForSequenceClassification(config,
                new io.jformer.tensor.Generator(seed), new io.jformer.tensor.Generator(seed + 1));
        return load(model, state, weights, "classifier.", PREFIX + "pooler.");
    }

    /** The encoder in {@code dir}, with a pooler only if the checkpoint has one. */
    public static Pretrained<BertModel> loadEncoder(Path dir) throws IOException {
        BertConfig config = BertConfig.read(dir.resolve("config.json"));
        Path weights = dir.resolve(WEIGHTS);
        Map<String, Tensor> state = withoutPrefix(normalizeNames(read(weights)));
        boolean pooler = state.containsKey("pooler.dense.weight");
        BertModel model = new BertModel(config, pooler, new io.jformer.tensor.Generator(0),
                new io.jformer.tensor.Generator(1));
        model.eval();
        return load(model, state, weights);
    }

    private static <M extends Module> Pretrained<M> load(M model, Map<String, Tensor> state, Path file,
                                                         String... mayBeMissing) {
        LoadReport report;
        try {
            report = model.loadStateDict(state);
        } catch (ShapeMismatchException e) {
            throw new ShapeMismatchException(file + ": " + e.getMessage() + " (config.json disagrees with the weights)");
        }
        List<String> fresh = new ArrayList<>();
        List<String> absent = new ArrayList<>();
        for (String key : report.missingKeys()) {
            boolean allowed = false;
            for (String prefix : mayBeMissing) {
                allowed |= key.startsWith(prefix);
            }
            (allowed ? fresh : absent).add(key);
        }
        if (!absent.isEmpty()) {
            throw new IllegalArgumentException(file + " has no tensor " + absent.get(0)
                    + (absent.size() > 1 ? " (and " + (absent.size() - 1) + " more: " + absent + ")" : ""));
        }
        LOG.debug("loaded {} ({} parameters) from {}", model.getClass().getSimpleName(), model.parameterCount(), file);
        if (!fresh.isEmpty()) {
            LOG.info("{}: newly initialised (not in the checkpoint, train before use): {}", file, fresh);
        }
        if (!report.unexpectedKeys().isEmpty()) {
            LOG.debug("{}: ignored {} tensors the model has no place for: {}", file, report.unexpectedKeys().size(),
                    report.unexpectedKeys());
        }
        return new Pretrained<>(model, fresh, report.unexpectedKeys());
    }

    /** Reads every tensor of a safetensors file. */
    static Map<String, Tensor> read(Path weights) throws IOException {
        if (!Files.exists(weights)) {
            throw new NoSuchFileException(weights.toString(), null,
                    "no " + WEIGHTS + " in the model directory (convert other formats with `jformer convert`)");
        }
        try (SafeTensorsFile f = SafeTensors.open(weights)) {
            return new LinkedHashMap<>(f.loadAll());
        }
    }

    /** LayerNorm {@code gamma}/{@code beta} (TF-era names) → {@code weight}/{@code bias}. */
    static Map<String, Tensor> normalizeNames(Map<String, Tensor> state) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        state.forEach((k, v) -> out.put(k.replaceAll("LayerNorm\\.gamma$", "LayerNorm.weight")
                .replaceAll("LayerNorm\\.beta$", "LayerNorm.bias"), v));
        return out;
    }

    private static boolean isEncoderKey(String key) {
        return key.startsWith("embeddings.") || key.startsWith("encoder.") || key.startsWith("pooler.");
    }

    /** Encoder keys get the {@code bert.} prefix a classifier's state dict has. */
    static Map<String, Tensor> withPrefix(Map<String, Tensor> state) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        state.forEach((k, v) -> out.put(isEncoderKey(k) ? PREFIX + k : k, v));
        return out;
    }

    /** The {@code bert.} prefix is dropped for a bare encoder. */
    static Map<String, Tensor> withoutPrefix(Map<String, Tensor> state) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        state.forEach((k, v) -> out.put(k.startsWith(PREFIX) ? k.substring(PREFIX.length()) : k, v));
        return out;
    }

    /**
     * Writes {@code model} as a Hugging Face directory that {@code transformers} loads with
     * {@code AutoModelForSequenceClassification.from_pretrained}: config.json, model.safetensors and the
     * tokenizer files found in {@code tokenizerSource} (may be null). Every file is written to a temporary
     * name and renamed into place, so an interrupted save never leaves a half-written file.
     */
    public static void save(BertForSequenceClassification model, Path dir, Path tokenizerSource) throws IOException {
        Files.createDirectories(dir);
        SafeTensors.save(dir.resolve(WEIGHTS), model.stateDict(), Map.of("format", "pt"));
        writeAtomically(dir.resolve("config.json"), model.config().toJson("BertForSequenceClassification").toPrettyString());
        copyTokenizerFiles(tokenizerSource, dir);
        LOG.debug("saved {} ({} parameters) to {}", model.getClass().getSimpleName(), model.parameterCount(), dir);
    }

    /** Copies the tokenizer files that exist in {@code from} (nothing when null or the same directory). */
    public static void copyTokenizerFiles(Path from, Path to) throws IOException {
        if (from == null || from.toAbsolutePath().normalize().equals(to.toAbsolutePath().normalize())) {
            return;
        }
        for (String name : TOKENIZER_FILES) {
            Path src = from.resolve(name);
            if (Files.exists(src)) {
                Path tmp = to.resolve(name + ".tmp");
                Files.copy(src, tmp, StandardCopyOption.REPLACE_EXISTING);
                Files.move(tmp, to.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    /** Writes text to a temporary file beside {@code file}, then renames it into place. */
    public static void writeAtomically(Path file, String text) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, text);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
