package io.jformer.bert;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A BERT configuration as in Hugging Face's {@code config.json}; absent fields take {@code BertConfig}'s
 * defaults (bert-base-uncased's sizes).
 *
 * @param id2label label names by class index; its size is {@code num_labels}
 */
public record BertConfig(
        int vocabSize,
        int hiddenSize,
        int numHiddenLayers,
        int numAttentionHeads,
        int intermediateSize,
        String hiddenAct,
        double hiddenDropoutProb,
        double attentionProbsDropoutProb,
        int maxPositionEmbeddings,
        int typeVocabSize,
        double initializerRange,
        double layerNormEps,
        int padTokenId,
        Double classifierDropout,
        List<String> id2label) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Checks that the hidden size divides into the heads and that there is at least one label. */
    public BertConfig {
        if (hiddenSize % numAttentionHeads != 0) {
            throw new IllegalArgumentException("hidden_size " + hiddenSize + " is not a multiple of num_attention_heads "
                    + numAttentionHeads);
        }
        id2label = List.copyOf(id2label);
        if (id2label.isEmpty()) {
            throw new IllegalArgumentException("a model needs at least one label");
        }
    }

    /** bert-base-uncased with two labels (Hugging Face's defaults). */
    public static BertConfig base() {
        return new BertConfig(30522, 768, 12, 12, 3072, "gelu", 0.1, 0.1, 512, 2, 0.02, 1e-12, 0, null,
                List.of("LABEL_0", "LABEL_1"));
    }

    /** The number of classes ({@code id2label}'s size). */
    public int numLabels() {
        return id2label.size();
    }

    /** The size of one attention head, {@code hiddenSize / numAttentionHeads}. */
    public int headSize() {
        return hiddenSize / numAttentionHeads;
    }

    /** Label name → class index. */
    public Map<String, Integer> label2id() {
        Map<String, Integer> m = new LinkedHashMap<>();
        for (int i = 0; i < id2label.size(); i++) {
            m.put(id2label.get(i), i);
        }
        return m;
    }

    /** The same configuration with other labels (for a new classification head). */
    public BertConfig withLabels(List<String> labels) {
        return new BertConfig(vocabSize, hiddenSize, numHiddenLayers, numAttentionHeads, intermediateSize, hiddenAct,
                hiddenDropoutProb, attentionProbsDropoutProb, maxPositionEmbeddings, typeVocabSize, initializerRange,
                layerNormEps, padTokenId, classifierDropout, labels);
    }

    /** The same configuration with every dropout probability set to {@code p} (0 turns dropout off). */
    public BertConfig withDropout(double p) {
        return new BertConfig(vocabSize, hiddenSize, numHiddenLayers, numAttentionHeads, intermediateSize, hiddenAct,
                p, p, maxPositionEmbeddings, typeVocabSize, initializerRange, layerNormEps, padTokenId,
                classifierDropout == null ? null : p, id2label);
    }

    /** Reads {@code config.json}; unknown fields are ignored, absent ones take the defaults. */
    public static BertConfig read(Path configJson) throws IOException {
        JsonNode n;
        try {
            n = JSON.readTree(configJson.toFile());
        } catch (IOException e) {
            throw new IOException("cannot parse " + configJson + ": " + e.getMessage(), e);
        }
        return fromJson(n, configJson.toString());
    }

    static BertConfig fromJson(JsonNode n, String source) {
        BertConfig d = base();
        List<String> labels = labels(n, source);
        return new BertConfig(
                n.path("vocab_size").asInt(d.vocabSize),
                n.path("hidden_size").asInt(d.hiddenSize),
                n.path("num_hidden_layers").asInt(d.numHiddenLayers),
                n.path("num_attention_heads").asInt(d.numAttentionHeads),
                n.path("intermediate_size").asInt(d.intermediateSize),
                n.path("hidden_act").asText(d.hiddenAct),
                n.path("hidden_dropout_prob").asDouble(d.hiddenDropoutProb),
                n.path("attention_probs_dropout_prob").asDouble(d.attentionProbsDropoutProb),
                n.path("max_position_embeddings").asInt(d.maxPositionEmbeddings),
                n.path("type_vocab_size").asInt(d.typeVocabSize),
                n.path("initializer_range").asDouble(d.initializerRange),
                n.path("layer_norm_eps").asDouble(d.layerNormEps),
                n.path("pad_token_id").asInt(d.padTokenId),
                n.hasNonNull("classifier_dropout") ? n.get("classifier_dropout").asDouble() : null,
                labels);
    }

    /** id2label if given (keys are stringified indices), else num_labels generic names, else two. */
    private static List<String> labels(JsonNode n, String source) {
        JsonNode map = n.path("id2label");
        if (map.isObject() && map.size() > 0) {
            String[] names = new String[map.size()];
            map.properties().forEach(e -> {
                int i;
                try {
                    i = Integer.parseInt(e.getKey());
                } catch (NumberFormatException ex) {
                    throw new IllegalArgumentException(source + ": id2label key '" + e.getKey() + "' is not an index");
                }
                if (i < 0 || i >= names.length) {
                    throw new IllegalArgumentException(source + ": id2label index " + i + " out of range for "
                            + names.length + " labels");
                }
                names[i] = e.getValue().asText();
            });
            return List.of(names);
        }
        int count = n.path("num_labels").asInt(2);
        List<String> generic = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            generic.add("LABEL_" + i);
        }
        return generic;
    }

    /** A Hugging Face {@code config.json} for {@code architecture} (e.g. BertForSequenceClassification). */
    public ObjectNode toJson(String architecture) {
        ObjectNode n = JSON.createObjectNode();
        ArrayNode arch = n.putArray("architectures");
        arch.add(architecture);
        n.put("model_type", "bert");
        n.put("vocab_size", vocabSize);
        n.put("hidden_size", hiddenSize);
        n.put("num_hidden_layers", numHiddenLayers);
        n.put("num_attention_heads", numAttentionHeads);
        n.put("intermediate_size", intermediateSize);
        n.put("hidden_act", hiddenAct);
        n.put("hidden_dropout_prob", hiddenDropoutProb);
        n.put("attention_probs_dropout_prob", attentionProbsDropoutProb);
        n.put("max_position_embeddings", maxPositionEmbeddings);
        n.put("type_vocab_size", typeVocabSize);
        n.put("initializer_range", initializerRange);
        n.put("layer_norm_eps", layerNormEps);
        n.put("pad_token_id", padTokenId);
        n.put("position_embedding_type", "absolute");
        if (classifierDropout != null) {
            n.put("classifier_dropout", classifierDropout);
        } else {
            n.putNull("classifier_dropout");
        }
        n.put("num_labels", numLabels());
        ObjectNode i2l = n.putObject("id2label");
        ObjectNode l2i = n.putObject("label2id");
        for (int i = 0; i < id2label.size(); i++) {
            i2l.put(Integer.toString(i), id2label.get(i));
            l2i.put(id2label.get(i), i);
        }
        return n;
    }
}
