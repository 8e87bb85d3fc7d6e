package io.jformer.bert;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jformer.tensor.Tensor;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** Reads the {"shape": [...], "data": [...]} tensors of the PyTorch fixtures under src/test/resources/fixtures. */
final class JsonTensors {

    private JsonTensors() {
    }

    static JsonNode fixture(String name) {
        try (InputStream s = JsonTensors.class.getResourceAsStream("/fixtures/" + name)) {
            if (s == null) {
                throw new IllegalStateException("missing test fixture " + name + " (scripts/make_bert_fixtures.py)");
            }
            return new ObjectMapper().readTree(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int[] shape(JsonNode node) {
        int[] shape = new int[node.get("shape").size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = node.get("shape").get(i).asInt();
        }
        return shape;
    }

    static Tensor floats(JsonNode node) {
        JsonNode data = node.get("data");
        float[] v = new float[data.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) data.get(i).asDouble();
        }
        return Tensor.of(v, shape(node));
    }

    static Tensor longs(JsonNode node) {
        JsonNode data = node.get("data");
        long[] v = new long[data.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = data.get(i).asLong();
        }
        return Tensor.ofLongs(v, shape(node));
    }
}
