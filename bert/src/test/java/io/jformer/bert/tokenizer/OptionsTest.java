package io.jformer.bert.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.jformer.bert.TestArtifacts;
import io.jformer.bert.tokenizer.BertTokenizer.Options;
import io.jformer.bert.tokenizer.BertTokenizer.Padding;
import io.jformer.bert.tokenizer.BertTokenizer.Truncation;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** TAIL and HEAD_TAIL truncation (no Hugging Face equivalent) and padding, against plain slicing. */
class OptionsTest {

    static BertTokenizer minilm() throws Exception {
        return BertTokenizer.fromTokenizerJson(TestArtifacts.model("all-minilm-l6-v2").resolve("tokenizer.json"));
    }

    /** [CLS] + ids[from, to) of the untruncated body + … + [SEP], built by hand. */
    static int[] framed(int cls, int sep, int[]... parts) {
        int n = 2;
        for (int[] p : parts) n += p.length;
        int[] r = new int[n];
        r[0] = cls;
        int k = 1;
        for (int[] p : parts) {
            System.arraycopy(p, 0, r, k, p.length);
            k += p.length;
        }
        r[n - 1] = sep;
        return r;
    }

    @Test
    void tailAndHeadTailKeepTheRightSlices() throws Exception {
        BertTokenizer base = minilm();
        int cls = base.vocab().clsId(), sep = base.vocab().sepId();
        BertTokenizer full = base.withOptions(Options.defaults(512).withTruncation(Truncation.NONE));
        for (String text : TestArtifacts.imdbTexts(300, 5)) {
            int[] all = full.encode(text).inputIds();
            int[] body = Arrays.copyOfRange(all, 1, all.length - 1);
            int n = body.length;
            for (int max : new int[] {128, 512}) {
                int keep = Math.min(n, max - 2);
                int[] head = framed(cls, sep, Arrays.copyOfRange(body, 0, keep));
                int[] tail = framed(cls, sep, Arrays.copyOfRange(body, n - keep, n));
                int k = Math.min(128, keep);
                int[] headTail = framed(cls, sep, Arrays.copyOfRange(body, 0, k), Arrays.copyOfRange(body, n - (keep - k), n));
                assertArrayEquals(head, base.withOptions(Options.defaults(max)).encode(text).inputIds());
                assertArrayEquals(tail, base.withOptions(Options.defaults(max).withTruncation(Truncation.TAIL)).encode(text).inputIds());
                assertArrayEquals(headTail, base.withOptions(Options.defaults(max).withTruncation(Truncation.HEAD_TAIL)).encode(text).inputIds());
                int k2 = Math.min(30, keep);
                int[] headTail30 = framed(cls, sep, Arrays.copyOfRange(body, 0, k2), Arrays.copyOfRange(body, n - (keep - k2), n));
                assertArrayEquals(headTail30, base.withOptions(Options.defaults(max).withTruncation(Truncation.HEAD_TAIL)
                        .withHeadTokens(30)).encode(text).inputIds());
            }
        }
    }

    @Test
    void paddingLongestAndMaxLength() throws Exception {
        BertTokenizer base = minilm();
        List<String> texts = List.of("short", "a somewhat longer text here", "");
        List<Encoding> none = base.encodeBatch(texts);
        List<Encoding> longest = base.withOptions(Options.defaults(512).withPadding(Padding.LONGEST)).encodeBatch(texts);
        List<Encoding> max = base.withOptions(Options.defaults(16).withPadding(Padding.MAX_LENGTH)).encodeBatch(texts);
        int longestLen = none.stream().mapToInt(Encoding::length).max().orElseThrow();
        for (int i = 0; i < texts.size(); i++) {
            Encoding e = none.get(i);
            for (List<Encoding> padded : List.of(longest, max)) {
                Encoding p = padded.get(i);
                assertEquals(padded == longest ? longestLen : 16, p.length());
                assertArrayEquals(e.inputIds(), Arrays.copyOf(p.inputIds(), e.length()));
                for (int k = e.length(); k < p.length(); k++) {
                    assertEquals(base.vocab().padId(), p.inputIds()[k]);
                    assertEquals(0, p.attentionMask()[k]);
                    assertEquals(0, p.tokenTypeIds()[k]);
                    assertEquals("[PAD]", p.tokens()[k]);
                }
                for (int k = 0; k < e.length(); k++) assertEquals(1, p.attentionMask()[k]);
            }
        }
        assertEquals(16, base.withOptions(Options.defaults(16).withPadding(Padding.MAX_LENGTH)).encode("x").length());
    }

    @Test
    void badOptionsAreRejectedNamingTheValue() {
        var e = assertThrows(IllegalArgumentException.class, () -> Options.defaults(2));
        assertEquals(true, e.getMessage().contains("2"));
        assertThrows(IllegalArgumentException.class, () -> Options.defaults(512).withHeadTokens(-1));
    }

    @Test
    void tinyMaxLengthStillFramesTheText() throws Exception {
        BertTokenizer t = minilm().withOptions(Options.defaults(3));
        assertEquals(3, t.encode("one two three four").length());
        assertEquals(3, t.encode("one two three", "four five").length());
    }
}
