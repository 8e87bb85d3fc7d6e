package io.jformer.bert;

import com.fasterxml.jackson.databind.JsonNode;
import io.jformer.autograd.Variable;
import io.jformer.nn.LoadReport;
import io.jformer.nn.Losses;
import io.jformer.tensor.Generator;
import io.jformer.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.List;

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

    /** Both ways of running the last layer ([CLS] alone, the default, and every token) against PyTorch. */
    @ParameterizedTest(name = "last layer for all tokens: {0}")
    @ValueSource(booleans = {false, true})
    void tinyClassifierMatchesPyTorchLogitsLossAndEveryGradient(boolean lastLayerForAllTokens) {
        JsonNode f = JsonTensors.fixture("bert_tiny_classifier.json");
        JsonNode c = f.get("config");
        BertConfig config = new BertConfig(c.get("vocab_size").asInt(), c.get("hidden_size").asInt(),
                c.get("num_hidden_layers").asInt(), c.get("num_attention_heads").asInt(),
                c.get("intermediate_size").asInt(), c.get("hidden_act").asText(), 0.1, 0.1,
                c.get("max_position_embeddings").asInt(), c.get("type_vocab_size").asInt(), 0.02,
                c.get("layer_norm_eps").asDouble(), 0, null, java.util.List.of("a", "b", "c"));
        BertForSequenceClassification model = new BertForSequenceClassification(config, new Generator(1), new Generator(2));
        model.eval();
        model.setLastLayerForAllTokens(lastLayerForAllTokens);
        Map<String, Tensor> weights = new LinkedHashMap<>();
        f.get("weights").properties().forEach(e -> weights.put(e.getKey(), JsonTensors.floats(e.getValue())));
        LoadReport report = model.loadStateDict(weights);
        assertTrue(report.isComplete(), report.toString());

        Variable loss = lossMatchingPyTorch(f, model);

        loss.backward();
        Map<String, Variable> params = model.namedParameters();
        assertEquals(weights.keySet(), params.keySet());
        f.get("grads").properties().forEach(e -> {
            float[] expected = JsonTensors.floats(e.getValue()).toFloatArray();
            Variable p = params.get(e.getKey());
            assertClose("gradient of " + e.getKey(), expected, p.grad().toFloatArray(), 1e-5, 1e-3 * maxAbs(expected));
        });
    }

    @TempDir
    Path tmp;

    /**
     * The real all-MiniLM-L6-v2 with a seeded classification head on four padded reviews. Its 22.7M gradients
     * are summarised in the fixture per parameter by the L2 norm and 32 seeded elements. Tolerances: logits and
     * loss 1e-5 as above; each gradient's norm within 1e-3 relative, and each sampled element within 1% of that
     * parameter's RMS gradient (plus 1e-7): through six real layers fp32 reordering stays near 1e-5 relative,
     * while a wrong rule moves norms by percents.
     */
    @Test
    void realMiniLmClassifierMatchesPyTorchGradients() throws Exception {
        JsonNode f = JsonTensors.fixture("bert_minilm_classifier.json");
        Path dir = tmp.resolve("minilm");
        Converter.convert(TestArtifacts.model("all-minilm-l6-v2").resolve("model.onnx"), dir);
        BertForSequenceClassification model = BertCheckpoint.loadClassifier(dir, List.of("negative", "positive"), 0, -1)
                .model();
        model.eval();
        Map<String, Tensor> head = new LinkedHashMap<>(model.stateDict());
        head.put("classifier.weight", JsonTensors.floats(f.get("classifier").get("weight")));
        head.put("classifier.bias", JsonTensors.floats(f.get("classifier").get("bias")));
        assertTrue(model.loadStateDict(head).isComplete());

        Variable loss = lossMatchingPyTorch(f, model);
        loss.backward();

        Map<String, Variable> params = model.namedParameters();
        assertEquals(params.keySet(), fieldNames(f.get("grads")));
        f.get("grads").properties().forEach(e -> {
            JsonNode g = e.getValue();
            float[] actual = params.get(e.getKey()).grad().toFloatArray();
            double l2 = 0;
            for (float v : actual) {
                l2 += (double) v * v;
            }
            l2 = Math.sqrt(l2);
            double expectedL2 = g.get("l2").asDouble();
            assertEquals(expectedL2, l2, 1e-3 * expectedL2 + 1e-9, "gradient norm of " + e.getKey());
            double rms = expectedL2 / Math.sqrt(actual.length);
            for (int k = 0; k < g.get("index").size(); k++) {
                int i = g.get("index").get(k).asInt();
                double expected = g.get("values").get(k).asDouble();
                assertEquals(expected, actual[i], 1e-2 * rms + 1e-7, "gradient of " + e.getKey() + "[" + i + "]");
            }
        });
    }

    private static java.util.Set<String> fieldNames(JsonNode n) {
        java.util.Set<String> names = new java.util.LinkedHashSet<>();
        n.fieldNames().forEachRemaining(names::add);
        return names;
    }

    /** Runs the fixture's batch and checks logits and loss (1e-5: see the class comment); returns the loss. */
    private static Variable lossMatchingPyTorch(JsonNode f, BertForSequenceClassification model) {
        Variable logits = model.forward(JsonTensors.longs(f.get("input_ids")), JsonTensors.longs(f.get("token_type_ids")),
                JsonTensors.longs(f.get("attention_mask")));
        assertClose("logits", JsonTensors.floats(f.get("logits")).toFloatArray(), logits.data().toFloatArray(), 1e-5, 0);
        Variable loss = Losses.crossEntropy(logits, JsonTensors.longs(f.get("labels")));
        assertEquals(f.get("loss").asDouble(), loss.data().item(), 1e-5);
        return loss;
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
                fail(what + " element " + i + ": expected " + expected[i] + ", got " + actual[i]);
            }
        }
    }
}
