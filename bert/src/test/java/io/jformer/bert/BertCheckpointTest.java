package io.jformer.bert;

import io.jformer.tensor.Generator;
import io.jformer.tensor.ShapeMismatchException;
import io.jformer.tensor.Tensor;
import io.jformer.tensor.io.SafeTensors;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Loading and saving Hugging Face directories, and what loading reports, as transformers does. */
class BertCheckpointTest {

    @TempDir
    Path tmp;

    private static BertConfig tiny() {
        return new BertConfig(40, 16, 2, 2, 32, "gelu", 0.1, 0.1, 24, 2, 0.02, 1e-12, 0, null,
                List.of("negative", "positive"));
    }

    private Path write(String name, BertConfig config, Map<String, Tensor> weights) throws IOException {
        Path dir = tmp.resolve(name);
        Files.createDirectories(dir);
        BertCheckpoint.writeAtomically(dir.resolve("config.json"), config.toJson("BertModel").toPrettyString());
        SafeTensors.save(dir.resolve(BertCheckpoint.WEIGHTS), weights, Map.of());
        return dir;
    }

    @Test
    void savedClassifierLoadsBackIdenticallyWithTransformersConfig() throws IOException {
        BertForSequenceClassification m = new BertForSequenceClassification(tiny(), new Generator(1), new Generator(2));
        Path dir = tmp.resolve("saved");
        BertCheckpoint.save(m, dir, null);
        JsonNode config = new ObjectMapper().readTree(dir.resolve("config.json").toFile());
        assertEquals("BertForSequenceClassification", config.get("architectures").get(0).asText());
        assertEquals(2, config.get("num_labels").asInt());
        assertEquals("positive", config.get("id2label").get("1").asText());
        assertEquals(1, config.get("label2id").get("positive").asInt());
        Pretrained<BertForSequenceClassification> back = BertCheckpoint.loadClassifier(dir, null, 9, -1);
        assertEquals(List.of(), back.newlyInitialized());
        assertEquals(List.of(), back.unexpected());
        m.stateDict().forEach((k, v) ->
                assertArrayEquals(v.toFloatArray(), back.model().stateDict().get(k).toFloatArray(), k));
        assertTrue(m.stateDict().keySet().stream().allMatch(k -> k.startsWith("bert.") || k.startsWith("classifier.")));
    }

    @Test
    void encoderKeysWithoutPrefixAndTfLayerNormNamesLoadIntoAClassifier() throws IOException {
        BertModel encoder = new BertModel(tiny(), false, new Generator(3), new Generator(4));
        Map<String, Tensor> tfStyle = new LinkedHashMap<>();
        encoder.stateDict().forEach((k, v) -> tfStyle.put(k.replace("LayerNorm.weight", "LayerNorm.gamma")
                .replace("LayerNorm.bias", "LayerNorm.beta"), v));
        tfStyle.put("cls.predictions.bias", Tensor.zeros(40));
        Path dir = write("encoder", tiny(), tfStyle);
        Pretrained<BertForSequenceClassification> p = BertCheckpoint.loadClassifier(dir, List.of("a", "b", "c"), 5, -1);
        // As transformers reports it: a new head and pooler, and the pre-training head left unused.
        assertEquals(List.of("bert.pooler.dense.bias", "bert.pooler.dense.weight", "classifier.bias",
                "classifier.weight"), p.newlyInitialized());
        assertEquals(List.of("cls.predictions.bias"), p.unexpected());
        assertEquals(3, p.model().config().numLabels());
        assertArrayEquals(encoder.stateDict().get("embeddings.LayerNorm.weight").toFloatArray(),
                p.model().stateDict().get("bert.embeddings.LayerNorm.weight").toFloatArray());
        // And the same file loads as a bare encoder with the prefix-free names.
        assertEquals(List.of(), BertCheckpoint.loadEncoder(dir).newlyInitialized());
    }

    @Test
    void aMissingEncoderWeightNamesTheTensorAndTheFile() throws IOException {
        Map<String, Tensor> w = new LinkedHashMap<>(new BertModel(tiny(), true, new Generator(3), new Generator(4))
                .stateDict());
        w.remove("encoder.layer.1.output.dense.weight");
        Path dir = write("broken", tiny(), w);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BertCheckpoint.loadClassifier(dir, null, 0, -1));
        assertTrue(e.getMessage().contains("bert.encoder.layer.1.output.dense.weight")
                && e.getMessage().contains("model.safetensors"), e.getMessage());
    }

    @Test
    void aConfigThatDisagreesWithTheWeightsNamesTheTensorAndBothShapes() throws IOException {
        Map<String, Tensor> w = new BertModel(tiny(), true, new Generator(3), new Generator(4)).stateDict();
        BertConfig wider = new BertConfig(40, 16, 2, 2, 48, "gelu", 0.1, 0.1, 24, 2, 0.02, 1e-12, 0, null,
                List.of("negative", "positive"));
        Path dir = write("mismatch", wider, w);
        ShapeMismatchException e = assertThrows(ShapeMismatchException.class, () -> BertCheckpoint.loadEncoder(dir));
        assertTrue(e.getMessage().contains("encoder.layer.0.intermediate.dense.weight")
                && e.getMessage().contains("[32, 16]") && e.getMessage().contains("[48, 16]")
                && e.getMessage().contains("model.safetensors"), e.getMessage());
    }

    @Test
    void configDefaultsFollowHuggingFace() throws IOException {
        Path f = tmp.resolve("config.json");
        Files.writeString(f, "{\"hidden_size\": 384, \"num_attention_heads\": 12, \"num_labels\": 3}");
        BertConfig c = BertConfig.read(f);
        assertEquals(30522, c.vocabSize());
        assertEquals(12, c.numHiddenLayers());
        assertEquals(1e-12, c.layerNormEps());
        assertEquals(List.of("LABEL_0", "LABEL_1", "LABEL_2"), c.id2label());
        assertEquals(32, c.headSize());
    }
}
