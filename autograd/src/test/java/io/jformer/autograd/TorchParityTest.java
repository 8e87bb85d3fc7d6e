package io.jformer.autograd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jformer.tensor.Reduction;
import io.jformer.tensor.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Composite functions against PyTorch: the fixture holds inputs, outputs, an upstream gradient and every
 * input's gradient computed by PyTorch 1.13 on the CPU (scripts/make_torch_fixtures.py).
 *
 * <p>Tolerances: both sides compute in fp32 but in different orders (blocked GEMM vs MKL/OpenBLAS, fused vs
 * composed softmax), so values differ by a few ulp of the largest intermediate. Intermediates here are of
 * order 1-10, so 2e-5 absolute plus 1e-4 relative bounds a few hundred ulp of headroom for outputs and
 * gradients alike while still failing for any wrong formula (which errs by percent, not by ulp).
 */
class TorchParityTest {

    private static final double ATOL = 2e-5;
    private static final double RTOL = 1e-4;
    private static JsonNode fixture;

    @BeforeAll
    static void load() throws IOException {
        try (InputStream s = TorchParityTest.class.getResourceAsStream("/fixtures/torch_composites.json")) {
            fixture = new ObjectMapper().readTree(s);
        }
    }

    private static Tensor tensor(JsonNode node) {
        int[] shape = new int[node.get("shape").size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = node.get("shape").get(i).asInt();
        }
        JsonNode data = node.get("data");
        float[] v = new float[data.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) data.get(i).asDouble();
        }
        return Tensor.of(v, shape);
    }

    private static Tensor longs(JsonNode node) {
        JsonNode data = node.get("data");
        long[] v = new long[data.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = data.get(i).asLong();
        }
        return Tensor.ofLongs(v, v.length);
    }

    private static Map<String, Variable> parameters(JsonNode c) {
        Map<String, Variable> p = new HashMap<>();
        c.get("inputs").properties().forEach(e -> p.put(e.getKey(), Variable.parameter(tensor(e.getValue()))));
        return p;
    }

    private static void assertClose(String what, Tensor expected, Tensor actual) {
        assertEquals(expected.shape(), actual.shape(), what + " shape");
        float[] e = expected.toFloatArray();
        float[] a = actual.toFloatArray();
        for (int i = 0; i < e.length; i++) {
            if (!(Math.abs(e[i] - a[i]) <= ATOL + RTOL * Math.abs(e[i]))) {
                fail(what + " element " + i + ": PyTorch " + e[i] + ", jformer " + a[i]);
            }
        }
    }

    private static void check(JsonNode c, Map<String, Variable> p, Variable out) {
        assertClose("output", tensor(c.get("output")), out.data());
        out.backward(tensor(c.get("grad_output")));
        c.get("grads").properties().forEach(e ->
                assertClose("gradient of " + e.getKey(), tensor(e.getValue()), p.get(e.getKey()).grad()));
    }

    @Test
    void mlpWithGeluAndLayerNormMatchesPyTorch() {
        JsonNode c = fixture.get("mlp_layer_norm");
        Map<String, Variable> p = parameters(c);
        Variable h = Functional.linear(p.get("x"), p.get("w1"), p.get("b1")).gelu();
        h = Functional.layerNorm(h, p.get("gamma"), p.get("beta"), 1e-12);
        check(c, p, Functional.linear(h, p.get("w2"), p.get("b2")));
    }

    @Test
    void maskedMultiHeadAttentionMatchesPyTorch() {
        JsonNode c = fixture.get("masked_attention");
        Map<String, Variable> p = parameters(c);
        Variable x = p.get("x");
        int b = x.size(0);
        int s = x.size(1);
        int heads = 2;
        int d = x.size(2) / heads;
        java.util.function.Function<Variable, Variable> split = w ->
                Functional.linear(x, w, null).reshape(b, s, heads, d).permute(0, 2, 1, 3);
        Variable q = split.apply(p.get("wq"));
        Variable k = split.apply(p.get("wk"));
        Variable v = split.apply(p.get("wv"));
        Variable mask = Variable.constant(tensor(c.get("mask")));
        Variable probs = Functional.softmax(q.matmul(k.t()), -1, 1 / Math.sqrt(d), mask);
        Variable ctx = probs.matmul(v).permute(0, 2, 1, 3).reshape(b, s, heads * d);
        check(c, p, ctx);
    }

    @Test
    void crossEntropyMatchesPyTorchForEveryReduction() {
        for (Reduction r : Reduction.values()) {
            JsonNode c = fixture.get("cross_entropy_" + r.name().toLowerCase());
            Map<String, Variable> p = parameters(c);
            Variable loss = Functional.crossEntropy(p.get("logits"), longs(c.get("targets")), -100, r);
            check(c, p, loss);
        }
    }
}
