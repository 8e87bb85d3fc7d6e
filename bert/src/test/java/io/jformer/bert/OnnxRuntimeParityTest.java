package io.jformer.bert;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.jformer.autograd.GradMode;
import io.jformer.bert.tokenizer.BertTokenizer;
import io.jformer.bert.tokenizer.Encoding;
import io.jformer.tensor.Tensor;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Real models against onnxruntime: the ONNX export is converted to a Hugging Face directory, loaded, and run
 * on real IMDB reviews of mixed lengths in one padded batch; the last hidden state at every real token must
 * equal onnxruntime's on the original ONNX file.
 *
 * <p>Tolerance 1e-4 max abs: both run fp32; onnxruntime fuses and reorders (MLAS GEMM, fused attention and
 * layer norm), so agreement is to accumulated rounding through 6-12 layers — typically ~1e-5 on hidden
 * values of order 1-10. Any wrong weight mapping or op errs by orders of magnitude more.
 */
class OnnxRuntimeParityTest {

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"all-minilm-l6-v2", "bge-small-en-v15"})
    void hiddenStatesMatchOnnxRuntime(String modelName) throws Exception {
        Path onnx = TestArtifacts.model(modelName).resolve("model.onnx");
        Path dir = tmp.resolve(modelName);
        Converter.convert(onnx, dir);
        BertModel model = BertCheckpoint.loadEncoder(dir).model();
        BertTokenizer tok = BertTokenizer.fromModelDir(dir);
        tok = tok.withOptions(tok.options().withMaxLength(192).withPadding(BertTokenizer.Padding.LONGEST));
        List<String> texts = TestArtifacts.imdbTexts(6, 11);
        List<Encoding> enc = tok.encodeBatch(List.of(texts.get(0), texts.get(1).substring(0, Math.min(60,
                texts.get(1).length())), texts.get(2), "Short one.", texts.get(3), texts.get(4)));
        int rows = enc.size();
        int len = enc.get(0).length();
        long[] ids = new long[rows * len];
        long[] types = new long[rows * len];
        long[] mask = new long[rows * len];
        for (int r = 0; r < rows; r++) {
            assertEquals(len, enc.get(r).length(), "padded to the longest");
            for (int t = 0; t < len; t++) {
                ids[r * len + t] = enc.get(r).inputIds()[t];
                types[r * len + t] = enc.get(r).tokenTypeIds()[t];
                mask[r * len + t] = enc.get(r).attentionMask()[t];
            }
        }
        assertTrue(java.util.Arrays.stream(mask).anyMatch(m -> m == 0), "the batch has padding");

        float[] ours;
        try (GradMode.Scope ignored = GradMode.noGrad()) {
            ours = model.forward(Tensor.ofLongs(ids, rows, len), Tensor.ofLongs(types, rows, len),
                    Tensor.ofLongs(mask, rows, len)).lastHiddenState().data().toFloatArray();
        }
        float[] theirs = runOnnx(onnx, ids, types, mask, rows, len);
        int hidden = model.config().hiddenSize();
        double worst = 0;
        for (int r = 0; r < rows; r++) {
            for (int t = 0; t < len; t++) {
                if (mask[r * len + t] == 0) {
                    continue; // padding positions are not defined outputs
                }
                for (int h = 0; h < hidden; h++) {
                    int i = (r * len + t) * hidden + h;
                    worst = Math.max(worst, Math.abs(ours[i] - theirs[i]));
                }
            }
        }
        assertTrue(worst <= 1e-4, modelName + ": max abs difference " + worst);
    }

    private static float[] runOnnx(Path onnx, long[] ids, long[] types, long[] mask, int rows, int len) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
            opts.setIntraOpNumThreads(2);
            try (OrtSession session = env.createSession(onnx.toString(), opts)) {
                long[] shape = {rows, len};
                Map<String, OnnxTensor> inputs = new HashMap<>();
                try {
                    for (String name : session.getInputNames()) {
                        long[] data = name.contains("mask") ? mask : name.contains("type") ? types : ids;
                        inputs.put(name, OnnxTensor.createTensor(env, LongBuffer.wrap(data), shape));
                    }
                    try (OrtSession.Result result = session.run(inputs)) {
                        float[][][] out = (float[][][]) result.get(0).getValue();
                        float[] flat = new float[rows * len * out[0][0].length];
                        int k = 0;
                        for (float[][] a : out) {
                            for (float[] b : a) {
                                System.arraycopy(b, 0, flat, k, b.length);
                                k += b.length;
                            }
                        }
                        return flat;
                    }
                } finally {
                    inputs.values().forEach(OnnxTensor::close);
                }
            }
        }
    }
}
