package io.jformer.bert.convert;

import io.jformer.tensor.Shape;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Hugging Face BertModel parameter names and shapes, written out for tests independently of {@link BertDims}. */
final class ExpectedBert {
    private ExpectedBert() {}

    /** Names and shapes for 512 positions and 2 token types. */
    static Map<String, Shape> shapes(int vocab, int hidden, int intermediate, int layers, boolean pooler) {
        Map<String, Shape> m = new LinkedHashMap<>();
        m.put("embeddings.word_embeddings.weight", Shape.of(vocab, hidden));
        m.put("embeddings.position_embeddings.weight", Shape.of(512, hidden));
        m.put("embeddings.token_type_embeddings.weight", Shape.of(2, hidden));
        m.put("embeddings.LayerNorm.weight", Shape.of(hidden));
        m.put("embeddings.LayerNorm.bias", Shape.of(hidden));
        for (int l = 0; l < layers; l++) {
            String p = "encoder.layer." + l + ".";
            for (String s : List.of("attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense")) {
                m.put(p + s + ".weight", Shape.of(hidden, hidden));
                m.put(p + s + ".bias", Shape.of(hidden));
            }
            m.put(p + "intermediate.dense.weight", Shape.of(intermediate, hidden));
            m.put(p + "intermediate.dense.bias", Shape.of(intermediate));
            m.put(p + "output.dense.weight", Shape.of(hidden, intermediate));
            m.put(p + "output.dense.bias", Shape.of(hidden));
            for (String s : List.of("attention.output.LayerNorm", "output.LayerNorm")) {
                m.put(p + s + ".weight", Shape.of(hidden));
                m.put(p + s + ".bias", Shape.of(hidden));
            }
        }
        if (pooler) {
            m.put("pooler.dense.weight", Shape.of(hidden, hidden));
            m.put("pooler.dense.bias", Shape.of(hidden));
        }
        return m;
    }
}
