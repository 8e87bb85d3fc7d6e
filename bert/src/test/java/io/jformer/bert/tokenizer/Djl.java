package io.jformer.bert.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/** The reference: Hugging Face's Rust tokenizers through DJL, loaded from the same tokenizer.json. */
final class Djl {
    private Djl() {}

    /** No truncation and no padding (the file's own truncation/padding at 128 is the exporter's setting). */
    static HuggingFaceTokenizer untruncated(Path tokenizerJson) {
        return load(tokenizerJson, Map.of("truncation", "false", "padding", "false"));
    }

    /** Hugging Face's {@code truncation=True, max_length=n} (longest_first), no padding. */
    static HuggingFaceTokenizer truncated(Path tokenizerJson, int maxLength) {
        return load(tokenizerJson, Map.of("truncation", "true", "maxLength", Integer.toString(maxLength), "padding", "false"));
    }

    static HuggingFaceTokenizer load(Path tokenizerJson, Map<String, String> options) {
        try {
            return HuggingFaceTokenizer.newInstance(tokenizerJson, options);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int[] ints(long[] a) {
        int[] r = new int[a.length];
        for (int i = 0; i < a.length; i++) r[i] = Math.toIntExact(a[i]);
        return r;
    }

    /** Asserts ids, type ids, attention mask and tokens are identical. */
    static void assertSame(ai.djl.huggingface.tokenizers.Encoding ref, Encoding mine, String what) {
        if (!Arrays.equals(ints(ref.getIds()), mine.inputIds())) {
            assertEquals(Arrays.toString(ref.getTokens()), Arrays.toString(mine.tokens()), "tokens of " + what);
            assertArrayEquals(ints(ref.getIds()), mine.inputIds(), "ids of " + what);
        }
        assertArrayEquals(ints(ref.getTypeIds()), mine.tokenTypeIds(), "type ids of " + what);
        assertArrayEquals(ints(ref.getAttentionMask()), mine.attentionMask(), "attention mask of " + what);
        assertArrayEquals(ref.getTokens(), mine.tokens(), "tokens of " + what);
    }

    /** Java-escaped text for messages. */
    static String show(String s) {
        StringBuilder b = new StringBuilder();
        int n = Math.min(s.length(), 300);
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c > 0x7E) b.append(String.format("\\u%04X", (int) c));
            else b.append(c);
        }
        if (n < s.length()) b.append("…(").append(s.length()).append(" chars)");
        return b.toString();
    }
}
