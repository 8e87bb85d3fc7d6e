package io.jformer.train.cli;

import io.jformer.bert.tokenizer.BertTokenizer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/** The tokenizer of a model directory with the command line's length and truncation choices. */
final class Tokenizers {

    private Tokenizers() {
    }

    static BertTokenizer forModel(Path modelDir, int maxLength, String truncation) throws IOException {
        BertTokenizer t = BertTokenizer.fromModelDir(modelDir);
        return t.withOptions(t.options().withMaxLength(maxLength).withTruncation(parse(truncation))
                .withPadding(BertTokenizer.Padding.NONE));
    }

    static BertTokenizer.Truncation parse(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "head" -> BertTokenizer.Truncation.HEAD;
            case "tail" -> BertTokenizer.Truncation.TAIL;
            case "head+tail", "head_tail", "headtail" -> BertTokenizer.Truncation.HEAD_TAIL;
            default -> throw new IllegalArgumentException("--truncation must be head, tail or head+tail, not '" + s + "'");
        };
    }
}
