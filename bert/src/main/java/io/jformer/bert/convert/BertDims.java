package io.jformer.bert.convert;

import io.jformer.tensor.Shape;
import io.jformer.tensor.Tensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The sizes of a BERT encoder as far as its weights tell them, and the Hugging Face {@code BertModel}
 * state-dict names and shapes (no {@code bert.} prefix, Linear weights {@code [out, in]}) that go with them.
 * The number of attention heads and the LayerNorm epsilon are not visible in the weights.
 *
 * @param hasPooler whether {@code pooler.dense.{weight,bias}} are part of the checkpoint
 */
public record BertDims(int vocabSize, int hiddenSize, int numLayers, int intermediateSize,
                       int maxPositionEmbeddings, int typeVocabSize, boolean hasPooler) {

    private static final Pattern LAYER = Pattern.compile("^encoder\\.layer\\.(\\d+)\\.");

    /** Every tensor name with its shape, in a fixed order (embeddings, layers 0.., pooler). */
    public Map<String, Shape> expectedShapes() {
        int h = hiddenSize;
        int f = intermediateSize;
        Map<String, Shape> m = new LinkedHashMap<>();
        m.put("embeddings.word_embeddings.weight", Shape.of(vocabSize, h));
        m.put("embeddings.position_embeddings.weight", Shape.of(maxPositionEmbeddings, h));
        m.put("embeddings.token_type_embeddings.weight", Shape.of(typeVocabSize, h));
        m.put("embeddings.LayerNorm.weight", Shape.of(h));
        m.put("embeddings.LayerNorm.bias", Shape.of(h));
        for (int l = 0; l < numLayers; l++) {
            String p = "encoder.layer." + l + ".";
            for (String qkv : List.of("query", "key", "value")) {
                m.put(p + "attention.self." + qkv + ".weight", Shape.of(h, h));
                m.put(p + "attention.self." + qkv + ".bias", Shape.of(h));
            }
            m.put(p + "attention.output.dense.weight", Shape.of(h, h));
            m.put(p + "attention.output.dense.bias", Shape.of(h));
            m.put(p + "attention.output.LayerNorm.weight", Shape.of(h));
            m.put(p + "attention.output.LayerNorm.bias", Shape.of(h));
            m.put(p + "intermediate.dense.weight", Shape.of(f, h));
            m.put(p + "intermediate.dense.bias", Shape.of(f));
            m.put(p + "output.dense.weight", Shape.of(h, f));
            m.put(p + "output.dense.bias", Shape.of(h));
            m.put(p + "output.LayerNorm.weight", Shape.of(h));
            m.put(p + "output.LayerNorm.bias", Shape.of(h));
        }
        if (hasPooler) {
            m.put("pooler.dense.weight", Shape.of(h, h));
            m.put("pooler.dense.bias", Shape.of(h));
        }
        return m;
    }

    /** The number of scalars in all the tensors of {@link #expectedShapes()}. */
    public long parameterCount() {
        long n = 0;
        for (Shape s : expectedShapes().values()) {
            n += s.numel();
        }
        return n;
    }

    /**
     * Reads the sizes off {@code weights} and checks that its names are exactly {@link #expectedShapes()}'s, each
     * with the expected shape.
     *
     * @param source the file the weights came from, for messages
     * @throws CheckpointFormatException naming the first missing, unexpected or misshapen tensor and the file
     */
    public static BertDims infer(Map<String, Tensor> weights, String source) throws CheckpointFormatException {
        Shape word = require(weights, "embeddings.word_embeddings.weight", 2, source);
        Shape pos = require(weights, "embeddings.position_embeddings.weight", 2, source);
        Shape type = require(weights, "embeddings.token_type_embeddings.weight", 2, source);
        Shape inter = require(weights, "encoder.layer.0.intermediate.dense.weight", 2, source);
        TreeSet<Integer> layers = new TreeSet<>();
        for (String name : weights.keySet()) {
            Matcher m = LAYER.matcher(name);
            if (m.find()) {
                layers.add(Integer.parseInt(m.group(1)));
            }
        }
        BertDims dims = new BertDims(word.dim(0), word.dim(1), layers.last() + 1, inter.dim(0), pos.dim(0),
                type.dim(0), weights.containsKey("pooler.dense.weight") || weights.containsKey("pooler.dense.bias"));
        Map<String, Shape> expected = dims.expectedShapes();
        List<String> missing = new ArrayList<>();
        for (String name : expected.keySet()) {
            if (!weights.containsKey(name)) {
                missing.add(name);
            }
        }
        if (!missing.isEmpty()) {
            throw new CheckpointFormatException(source, "missing tensor " + missing.get(0)
                    + (missing.size() > 1 ? " (and " + (missing.size() - 1) + " more: " + abbreviate(missing) + ")" : "")
                    + " for a " + dims.numLayers + "-layer BERT");
        }
        for (Map.Entry<String, Tensor> e : weights.entrySet()) {
            Shape want = expected.get(e.getKey());
            if (want == null) {
                throw new CheckpointFormatException(source, "unexpected tensor " + e.getKey() + " " + e.getValue().shape()
                        + " (not a BertModel parameter)");
            }
            if (!want.equals(e.getValue().shape())) {
                throw new CheckpointFormatException(source, "tensor " + e.getKey() + " has shape " + e.getValue().shape()
                        + ", expected " + want + " (hidden " + dims.hiddenSize + ", intermediate "
                        + dims.intermediateSize + ")");
            }
        }
        return dims;
    }

    private static Shape require(Map<String, Tensor> weights, String name, int rank, String source)
            throws CheckpointFormatException {
        Tensor t = weights.get(name);
        if (t == null) {
            throw new CheckpointFormatException(source, "missing tensor " + name);
        }
        if (t.rank() != rank) {
            throw new CheckpointFormatException(source, "tensor " + name + " has shape " + t.shape() + ", expected rank " + rank);
        }
        return t.shape();
    }

    private static String abbreviate(List<String> names) {
        List<String> rest = names.subList(1, Math.min(names.size(), 6));
        return String.join(", ", rest) + (names.size() > 6 ? ", …" : "");
    }
}
