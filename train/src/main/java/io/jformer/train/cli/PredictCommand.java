package io.jformer.train.cli;

import io.jformer.autograd.GradMode;
import io.jformer.bert.BertCheckpoint;
import io.jformer.bert.BertForSequenceClassification;
import io.jformer.bert.tokenizer.BertTokenizer;
import io.jformer.tensor.Workspace;
import io.jformer.train.data.PaddedIds;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code jformer predict}: the label and its probability for each text. */
@Command(name = "predict", mixinStandardHelpOptions = true,
        description = "Classify texts given as arguments, or standard input line by line; prints label, probability, text.")
final class PredictCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "A classifier directory (e.g. runs/default/model).")
    Path model;
    @Option(names = "--max-length", defaultValue = "512") int maxLength;
    @Option(names = "--truncation", defaultValue = "head") String truncation;
    @Option(names = "--batch-size", defaultValue = "16") int batchSize;
    @Parameters(arity = "0..*", description = "Texts to classify (default: read standard input).")
    List<String> texts = new ArrayList<>();
    @Mixin
    CommonOptions common;

    @Override
    public Integer call() throws Exception {
        io.jformer.tensor.Device device = common.apply();
        BertForSequenceClassification net = BertCheckpoint.loadClassifier(model, null, 0, -1).model();
        net.to(device);
        net.eval();
        BertTokenizer tokenizer = Tokenizers.forModel(model, maxLength, truncation);
        List<String> labels = net.config().id2label();
        if (!texts.isEmpty()) {
            classify(net, tokenizer, labels, texts);
            return 0;
        }
        LineInput in = new LineInput();
        for (List<String> lines = in.next(batchSize); !lines.isEmpty(); lines = in.next(batchSize)) {
            classify(net, tokenizer, labels, lines);
        }
        return 0;
    }

    private static void classify(BertForSequenceClassification net, BertTokenizer tokenizer, List<String> labels,
                                 List<String> lines) {
        PaddedIds ids = PaddedIds.of(tokenizer.encodeBatch(lines), tokenizer.vocab().padId());
        float[] p;
        try (GradMode.Scope ignored = GradMode.noGrad(); Workspace ws = Workspace.open()) {
            io.jformer.tensor.Device d = net.device();
            p = net.forward(ids.inputIds().to(d), ids.tokenTypeIds().to(d), ids.attentionMask().to(d)).data()
                    .softmax(-1).toFloatArray();
        }
        int c = labels.size();
        for (int r = 0; r < lines.size(); r++) {
            int best = 0;
            for (int k = 1; k < c; k++) {
                if (p[r * c + k] > p[r * c + best]) {
                    best = k;
                }
            }
            String text = lines.get(r);
            System.out.printf("%s\t%.4f\t%s%n", labels.get(best), p[r * c + best],
                    text.length() > 80 ? text.substring(0, 77) + "..." : text);
        }
        System.out.flush();
    }
}
