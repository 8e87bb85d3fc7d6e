package io.jformer.train.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jformer.autograd.GradMode;
import io.jformer.bert.BertCheckpoint;
import io.jformer.bert.BertModel;
import io.jformer.bert.BertModelOutput;
import io.jformer.bert.Pretrained;
import io.jformer.bert.tokenizer.BertTokenizer;
import io.jformer.bert.tokenizer.Encoding;
import io.jformer.tensor.Tensor;
import io.jformer.tensor.Workspace;
import io.jformer.train.data.PaddedIds;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.BufferedWriter;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code jformer encode}: for each input line, the last hidden state at [CLS] and the pooler output. Lines
 * are run in padded batches for speed; the attention mask makes each result that of the line on its own.
 */
@Command(name = "encode", mixinStandardHelpOptions = true,
        description = "Encode standard input line by line; print cls and pooled vectors as JSON.")
final class EncodeCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "Model directory or known name.")
    String model;

    @Option(names = "--max-length", description = "Truncate to this many tokens (default: the model's maximum).")
    Integer maxLength;

    @Option(names = "--batch-size", defaultValue = "32", description = "Lines per forward pass.")
    int batchSize;

    @Mixin
    CommonOptions common;

    @Override
    public Integer call() throws Exception {
        io.jformer.tensor.Device device = common.apply();
        Path dir = ArtifactStore.model(model);
        Pretrained<BertModel> loaded = BertCheckpoint.loadEncoder(dir);
        Report.loaded(dir, loaded);
        BertModel bert = loaded.model();
        bert.to(device);
        int max = maxLength != null ? maxLength : bert.config().maxPositionEmbeddings();
        BertTokenizer tokenizer = Tokenizers.forModel(dir, max, "head");
        ObjectMapper json = new ObjectMapper();
        LineInput in = new LineInput();
        BufferedWriter out = new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), 1 << 16);
        try (GradMode.Scope ignored = GradMode.noGrad()) {
            for (List<String> lines = in.next(batchSize); !lines.isEmpty(); lines = in.next(batchSize)) {
                List<Encoding> enc = tokenizer.encodeBatch(lines);
                PaddedIds ids = PaddedIds.of(enc, tokenizer.vocab().padId());
                float[] clsValues;
                float[] pooled;
                int h;
                // The batch's activations are reused by the next batch; only the copied-out vectors leave.
                try (Workspace ws = Workspace.open()) {
                    BertModelOutput o = bert.forward(ids.inputIds().to(device), ids.tokenTypeIds().to(device),
                            ids.attentionMask().to(device));
                    Tensor cls = o.lastHiddenState().data().select(1, 0).contiguous();
                    clsValues = cls.toFloatArray();
                    pooled = o.pooled() == null ? null : o.pooled().data().toFloatArray();
                    h = cls.size(1);
                }
                for (int r = 0; r < lines.size(); r++) {
                    ObjectNode n = json.createObjectNode();
                    vector(n.putArray("cls"), clsValues, r * h, h);
                    if (pooled == null) {
                        n.putNull("pooled");
                    } else {
                        vector(n.putArray("pooled"), pooled, r * h, h);
                    }
                    out.write(n.toString());
                    out.newLine();
                }
            }
        }
        out.flush();
        return 0;
    }

    private static void vector(ArrayNode a, float[] v, int off, int len) {
        for (int i = 0; i < len; i++) {
            a.add(v[off + i]);
        }
    }
}
