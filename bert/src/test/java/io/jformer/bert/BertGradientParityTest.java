package io.jformer.bert;

import com.fasterxml.jackson.databind.JsonNode;
import io.jformer.autograd.Variable;
import io.jformer.nn.LoadReport;
import io.jformer.nn.Losses;
import io.jformer.tensor.Generator;
import io.jformer.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A small random BERT classifier against PyTorch (scripts/make_bert_fixtures.py, the llm.c test_gpt2 idea):
 * the same weights and batch — padded rows, two token types — give the same logits, loss and gradient of
 * every parameter.
 *
 * <p>Tolerances: fp32 on both sides with different summation orders through 2 layers; logits and loss agree
 * to ~1e-6, so 1e-5 is tight yet robust. Gradients pass through more ops (and through LayerNorm's division by
 * a per-row std), so each is compared with 1e-5 absolute + 1e-3 relative to its own tensor's largest
 * magnitude: a wrong rule is off by far more than 0.1% of the tensor's scale.
 */
class BertGradientParityTest {

    @Test
    void tinyClassifierMatchesPyTorchLogitsLossAndEveryGradient() {
        JsonNode f = JsonTensors.fixture("bert_tiny_classifier.json");
        JsonNode c = f.get("config");
        BertConfig config = new BertConfig(c.get("vocab_size").asInt(), c.get("hidden_size").asInt(),
                c.get("num_hidden_layers").asInt(), c.get("num_attention_heads").asInt(),
                c.get("intermediate_size").asInt(), c.get("hidden_act").asText(), 0.1, 0.1,
                c.get("max_position_embeddings").asInt(), c.get("type_vocab_size").asInt(), 0.02,
                c.get("layer_norm_eps").asDouble(), 0, null, java.util.List.of("a", "b", "c"));
        BertForSequenceClassification model = new BertForSequenceClassification(config, new Generator(1), new Generator(2));
        model.eval();
        Map<String, Tensor> weights = new LinkedHashMap<>();
        f.get("weights").properties().forEach(e -> weights.put(e.getKey(), JsonTensors.floats(e.getValue())));
        LoadReport report = model.loadStateDict(weights);
        assertTrue(report.isComplete(), report.toString());

        Variable logits = model.forward(JsonTensors.longs(f.get("input_ids")), JsonTensors.longs(f.get("token_type_ids")),
                JsonTensors.longs(f.get("attention_mask")));
        assertClose("logits", JsonTensors.floats(f.get("logits")).toFloatArray(), logits.data().toFloatArray(), 1e-5, 0);
        Variable loss = Losses.crossEntropy(logits, JsonTensors.longs(f.get("labels")));
        assertEquals(f.get("loss").asDouble(), loss.data().item(), 1e-5);

        loss.backward();
        Map<String, Variable> params = model.namedParameters();
        assertEquals(weights.keySet(), params.keySet());
        f.get("grads").properties().forEach(e -> {
            float[] expected = JsonTensors.floats(e.getValue()).toFloatArray();
            Variable p = params.get(e.getKey());
            assertClose("gradient of " + e.getKey(), expected, p.grad().toFloatArray(), 1e-5, 1e-3 * maxAbs(expected));
        });
    }

    static float maxAbs(float[] v) {
        float m = 0;
        for (float x : v) {
            m = Math.max(m, Math.abs(x));
        }
        return m;
    }

    static void assertClose(String what, float[] expected, float[] actual, double atol, double scaleTol) {
        assertEquals(expected.length, actual.length, what + " length");
        for (int i = 0; i < expected.length; i++) {
            if (!(Math.abs(expected[i] - actual[i]) <= atol + scaleTol)) {
                fail(what + " element " + i + ": PyTorch " + expected[i] + ", jformer " + actual[i]);
            }
        }
    }
}
