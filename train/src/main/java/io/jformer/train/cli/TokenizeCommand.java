package io.jformer.train.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jformer.bert.BertConfig;
import io.jformer.bert.tokenizer.BertTokenizer;
import io.jformer.bert.tokenizer.Encoding;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedWriter;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code jformer tokenize}: one JSON object of ids, type ids and mask per input line (no padding). */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = "Tokenize standard input line by line; print input_ids, token_type_ids, attention_mask as JSON.")
final class TokenizeCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "Model directory or known name.")
    String model;

    @Option(names = "--max-length", description = "Truncate to this many tokens (default: the model's maximum).")
    Integer maxLength;

    @Override
    public Integer call() throws Exception {
        Path dir = ArtifactStore.model(model);
        int max = maxLength != null ? maxLength : BertConfig.read(dir.resolve("config.json")).maxPositionEmbeddings();
        BertTokenizer tokenizer = Tokenizers.forModel(dir, max, "head");
        ObjectMapper json = new ObjectMapper();
        LineInput in = new LineInput();
        BufferedWriter out = new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), 1 << 16);
        for (List<String> lines = in.next(256); !lines.isEmpty(); lines = in.next(256)) {
            for (Encoding e : tokenizer.encodeBatch(lines)) {
                ObjectNode n = json.createObjectNode();
                var ids = n.putArray("input_ids");
                var types = n.putArray("token_type_ids");
                var mask = n.putArray("attention_mask");
                for (int i = 0; i < e.length(); i++) {
                    ids.add(e.inputIds()[i]);
                    types.add(e.tokenTypeIds()[i]);
                    mask.add(e.attentionMask()[i]);
                }
                out.write(n.toString());
                out.newLine();
            }
        }
        out.flush();
        return 0;
    }
}
