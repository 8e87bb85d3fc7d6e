package io.jformer.bert.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import io.jformer.bert.TestArtifacts;
import io.jformer.bert.tokenizer.BertTokenizer.Options;
import io.jformer.bert.tokenizer.BertTokenizer.Truncation;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Awkward text encodes exactly as Hugging Face's tokenizer encodes it, and nothing crashes. */
class HardCasesTest {

    static final List<String> CASES = List.of(
            "", " ", "   \t\n\r  ", "\u3000\u00A0\u2028\u2029\u2003",
            "Café naïve ÅÄÖ résumé Ångström façade İstanbul ΣΊΣΥΦΟΣ straße ǅ ﬁ ℌ ① ²",
            "日本語の文章です。中文，繁體字！한국어 텍스트 カタカナ",
            "emoji 😀👍🏽 👨‍👩‍👧‍👦 ❤️ 🇺🇸 🏳️‍🌈 #hashtag",
            "control\u0001\u0002\u0007\u001B\u007F\u0085\u009F chars\u000B\u000C here\u200B\u200D\u200E\uFEFF\u00AD",
            "nul\u0000in\u0000the\u0000middle \u0000", "replacement \uFFFD char\uFFFDinside",
            "word" + "x".repeat(96), "word" + "x".repeat(97), "antidisestablishmentarianism" + "ly".repeat(40),
            "…!!!???...,,,;;;---((([[[{{{}}}]]]))) ¡¿ «» „“ ‹› — – ‐ · • ※ § ¶ ‰ ′ ″",
            "hello [CLS] world [SEP] and [UNK] then [PAD][MASK] but [cls] and [ CLS ] and [CLS[SEP]]",
            "[CLS]", "[UNK][UNK]", "x[SEP]y",
            "مرحبا بالعالم، كيف حالك؟ नमस्ते दुनिया। สวัสดีชาวโลก ภาษาไทย שלום עולם",
            "ThIs Is MiXeD CaSe WITH UPPERCASE and lowercase; McDonald's O'Neill",
            "I loved it!<br /><br />The movie was \u0096 well \u0085 great\u0091s \u0092quoted\u0093",
            "tab\tseparated\tvalues\nnew line\r\ncarriage",
            "numbers 3.14159 1,000,000 $100 50% 1/2 2nd 10:30pm",
            "\uD835\uDC00\uD835\uDC01 math bold 𝐀𝐁 𝔄 fraktur, 𠀀 𪚥 ext-b, \uD840\uDC00",
            "combining e\u0301 a\u0308 n\u0303 stacked a\u0301\u0302\u0303\u0304 bare \u0301 start",
            "ﬀ ﬃ Ⅻ ㎏ ﷺ ︵ ＦＵＬＬ ｗｉｄｔｈ",
            "Ꭰ Ᏸ ꭰ ǲ ẞ Ω K Å Ⱥ ɐ Ԁ Ꙁ Ꟗ Ⱟ");

    @ParameterizedTest
    @ValueSource(strings = {"all-minilm-l6-v2", "bge-small-en-v15"})
    void hardCasesEncodeLikeHuggingFace(String model) throws Exception {
        Path json = TestArtifacts.model(model).resolve("tokenizer.json");
        BertTokenizer mine = BertTokenizer.fromTokenizerJson(json).withOptions(Options.defaults(512).withTruncation(Truncation.NONE));
        try (HuggingFaceTokenizer ref = Djl.untruncated(json)) {
            for (String s : CASES) {
                Djl.assertSame(ref.encode(s), mine.encode(s), Djl.show(s));
            }
            for (int i = 0; i + 1 < CASES.size(); i++) {
                Djl.assertSame(ref.encode(CASES.get(i), CASES.get(i + 1)), mine.encode(CASES.get(i), CASES.get(i + 1)),
                        "pair " + Djl.show(CASES.get(i)));
            }
        }
    }

    /**
     * A lone surrogate is not valid Unicode. Hugging Face only sees valid UTF-8: through DJL's JNI the whole text is
     * then decoded lossily, which turns the lone surrogate into U+FFFD (removed by text cleaning) but also every valid
     * surrogate pair elsewhere in that text into U+FFFDs (a DJL artifact). Without other supplementary characters the
     * two agree; with them, we keep the valid characters and differ from DJL on purpose.
     */
    @Test
    void loneSurrogatesAreDroppedLikeHuggingFace() throws Exception {
        Path json = TestArtifacts.model("all-minilm-l6-v2").resolve("tokenizer.json");
        BertTokenizer mine = BertTokenizer.fromTokenizerJson(json).withOptions(Options.defaults(512).withTruncation(Truncation.NONE));
        try (HuggingFaceTokenizer ref = Djl.untruncated(json)) {
            for (String s : List.of("a\uD800b c", "\uDC00start", "end\uD83D", "x \uDE00 y", "low\uDC00\uD800high", "\uD800",
                    "Café \uD800 naïve, 日本\uDBFF語 [CLS]\uDFFF[SEP]")) {
                Djl.assertSame(ref.encode(s), mine.encode(s), Djl.show(s));
            }
        }
        Encoding e = mine.encode("ok \uD800 \uD83D\uDE00 fine");
        assertArrayEquals(new String[] {"[CLS]", "ok", "[UNK]", "fine", "[SEP]"}, e.tokens(), "the valid emoji is kept");
    }

    @Test
    void aMegabyteReviewEncodesQuickly() throws Exception {
        Path json = TestArtifacts.model("all-minilm-l6-v2").resolve("tokenizer.json");
        List<String> reviews = TestArtifacts.imdbTexts(400, 3);
        StringBuilder sb = new StringBuilder(1 << 20);
        for (int i = 0; sb.length() < (1 << 20); i++) sb.append(reviews.get(i % reviews.size())).append(' ');
        String big = sb.toString();
        BertTokenizer head = BertTokenizer.fromTokenizerJson(json);
        BertTokenizer full = head.withOptions(Options.defaults(512).withTruncation(Truncation.NONE));
        BertTokenizer headTail = head.withOptions(Options.defaults(512).withTruncation(Truncation.HEAD_TAIL));
        long t0 = System.nanoTime();
        Encoding e = full.encode(big);
        Encoding h = head.encode(big);
        Encoding ht = headTail.encode(big);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(e.length() > 200_000, "tokens: " + e.length());
        assertEquals(512, h.length());
        assertEquals(512, ht.length());
        assertTrue(ms < 5_000, "took " + ms + " ms");
        try (HuggingFaceTokenizer ref = Djl.untruncated(json)) {
            Djl.assertSame(ref.encode(big), e, "1 MB review");
        }
        // one 1 MB "word" without spaces, and 1 MB of whitespace / of NULs
        String word = "a".repeat(1 << 20);
        assertArrayEquals(new String[] {"[CLS]", "[UNK]", "[SEP]"}, full.encode(word).tokens());
        assertEquals(2, full.encode(" ".repeat(1 << 20)).length());
        assertEquals(2, full.encode("\u0000".repeat(1 << 20)).length());
    }

    @Test
    void randomCodePointSoupMatchesHuggingFace() throws Exception {
        Path json = TestArtifacts.model("all-minilm-l6-v2").resolve("tokenizer.json");
        BertTokenizer mine = BertTokenizer.fromTokenizerJson(json).withOptions(Options.defaults(512).withTruncation(Truncation.NONE));
        Random rnd = new Random(1234);
        String pool = "aAeEiIoO  .,!?'[]#éÉüÜß日本😀\u0301\u0308\u0000\u0085\u200B\t\nCLSEP";
        List<String> soups = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            StringBuilder sb = new StringBuilder();
            int len = rnd.nextInt(60);
            for (int k = 0; k < len; k++) {
                if (rnd.nextInt(10) == 0) sb.appendCodePoint(rnd.nextInt(0x3000));
                else sb.append(pool.charAt(rnd.nextInt(pool.length())));
            }
            soups.add(sb.toString().replace("C", rnd.nextBoolean() ? "[CLS]" : "C"));
        }
        try (HuggingFaceTokenizer ref = Djl.untruncated(json)) {
            for (String s : soups) {
                if (hasLoneSurrogate(s)) continue;
                Djl.assertSame(ref.encode(s), mine.encode(s), Djl.show(s));
            }
        }
    }

    private static boolean hasLoneSurrogate(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) i++;
            else if (Character.isSurrogate(c)) return true;
        }
        return false;
    }
}
