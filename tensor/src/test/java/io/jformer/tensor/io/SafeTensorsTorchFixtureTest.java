package io.jformer.tensor.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jformer.tensor.DType;
import io.jformer.tensor.Shape;
import io.jformer.tensor.Tensor;
import io.jformer.tensor.cpu.CpuStorage;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reads {@code safetensors/torch_written.safetensors}, whose values and bit patterns PyTorch produced (see
 * {@code make_torch_fixture.py} beside it), and checks the writer reproduces that file byte for byte.
 */
class SafeTensorsTorchFixtureTest {

    @TempDir
    Path dir;

    private static Path resource(String name) throws URISyntaxException {
        return Path.of(SafeTensorsTorchFixtureTest.class.getResource("/safetensors/" + name).toURI());
    }

    private static JsonNode expected() throws IOException, URISyntaxException {
        return new ObjectMapper().readTree(resource("torch_written.json").toFile());
    }

    private static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (int) array.get(i).asLong(); // unsigned bit patterns: keep the low 32 bits
        }
        return out;
    }

    @Test
    void valuesAreTheOnesTorchWrote() throws Exception {
        JsonNode expected = expected();
        try (SafeTensorsFile f = SafeTensors.open(resource("torch_written.safetensors"))) {
            List<String> order = new ArrayList<>();
            expected.get("order").forEach(n -> order.add(n.asText()));
            assertEquals(order, List.copyOf(f.names()));
            assertEquals(Map.of("format", "pt"), f.metadata());

            for (String name : order) {
                JsonNode want = expected.get("tensors").get(name);
                Tensor t = f.load(name);
                assertEquals(want.get("dtype").asText(), t.dtype().name(), name);
                assertEquals(Shape.of(ints(want.get("shape"))), t.shape(), name);
                if (t.dtype() == DType.I64) {
                    long[] values = new long[want.get("values").size()];
                    for (int i = 0; i < values.length; i++) {
                        values[i] = want.get("values").get(i).asLong();
                    }
                    assertArrayEquals(values, t.toLongArray(), name);
                    continue;
                }
                assertArrayEquals(ints(want.get("bits")), storedBits(t), name + ": stored bits");
                assertArrayEquals(ints(want.get("f32_bits")), floatBits(f.loadAsF32(name)),
                        name + ": widened to F32 as torch widens");
            }
        }
    }

    private static int[] storedBits(Tensor t) {
        CpuStorage s = (CpuStorage) t.storage();
        if (t.dtype() == DType.F32) {
            return floatBits(t);
        }
        short[] h = s.halves();
        int[] out = new int[h.length];
        for (int i = 0; i < h.length; i++) {
            out[i] = h[i] & 0xffff;
        }
        return out;
    }

    private static int[] floatBits(Tensor t) {
        float[] f = ((CpuStorage) t.storage()).floats();
        int[] out = new int[f.length];
        for (int i = 0; i < f.length; i++) {
            out[i] = Float.floatToRawIntBits(f[i]);
        }
        return out;
    }

    @Test
    void writerReproducesTheFileByteForByte() throws Exception {
        Path original = resource("torch_written.safetensors");
        Path copy = dir.resolve("copy.safetensors");
        try (SafeTensorsFile f = SafeTensors.open(original)) {
            SafeTensors.save(copy, f.loadAll(), f.metadata());
        }
        assertArrayEquals(Files.readAllBytes(original), Files.readAllBytes(copy));
    }
}
