package io.jformer.bert.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import io.jformer.bert.TestArtifacts;
import io.jformer.bert.tokenizer.BertTokenizer.Options;
import io.jformer.bert.tokenizer.BertTokenizer.Truncation;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Real IMDB reviews give exactly Hugging Face's encodings, untruncated and truncated, single and paired. */
class ImdbParityTest {
    static final int REVIEWS = 2000;

    @ParameterizedTest
    @ValueSource(strings = {"all-minilm-l6-v2", "bge-small-en-v15"})
    void reviewsEncodeLikeHuggingFaceUntruncatedAndTruncated(String model) throws Exception {
        Path json = TestArtifacts.model(model).resolve("tokenizer.json");
        List<String> texts = TestArtifacts.imdbTexts(REVIEWS, 42);
        BertTokenizer base = BertTokenizer.fromTokenizerJson(json);
        BertTokenizer full = base.withOptions(Options.defaults(512).withTruncation(Truncation.NONE));
        try (HuggingFaceTokenizer ref = Djl.untruncated(json);
             HuggingFaceTokenizer ref128 = Djl.truncated(json, 128);
             HuggingFaceTokenizer ref512 = Djl.truncated(json, 512)) {
            BertTokenizer t128 = base.withOptions(Options.defaults(128));
            BertTokenizer t512 = base.withOptions(Options.defaults(512));
            int longer = 0;
            for (int i = 0; i < texts.size(); i++) {
                String text = texts.get(i);
                Encoding e = full.encode(text);
                Djl.assertSame(ref.encode(text), e, model + " review " + i);
                Djl.assertSame(ref128.encode(text), t128.encode(text), model + " review " + i + " at 128");
                Djl.assertSame(ref512.encode(text), t512.encode(text), model + " review " + i + " at 512");
                if (e.length() > 512) longer++;
            }
            // the sample must exercise truncation at 512 too
            assertEquals(true, longer > 50, "reviews over 512 tokens: " + longer);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {512, 128, 37})
    void pairsEncodeLikeHuggingFaceLongestFirst(int maxLength) throws Exception {
        Path json = TestArtifacts.model("all-minilm-l6-v2").resolve("tokenizer.json");
        List<String> texts = TestArtifacts.imdbTexts(600, 7);
        BertTokenizer mine = BertTokenizer.fromTokenizerJson(json).withOptions(Options.defaults(maxLength));
        try (HuggingFaceTokenizer ref = Djl.truncated(json, maxLength)) {
            for (int i = 0; i + 1 < texts.size(); i += 2) {
                // mix long/long, long/short, short/long and equal-length pairs
                String a = texts.get(i), b = texts.get(i + 1);
                if (i % 6 == 2) b = b.substring(0, Math.min(b.length(), 60));
                if (i % 6 == 4) a = a.substring(0, Math.min(a.length(), 45));
                Djl.assertSame(ref.encode(a, b), mine.encode(a, b), "pair " + i + " at " + maxLength);
            }
            Djl.assertSame(ref.encode("same length", "same length"), mine.encode("same length", "same length"), "equal");
        }
        try (HuggingFaceTokenizer ref = Djl.untruncated(json)) {
            BertTokenizer full = mine.withOptions(Options.defaults(512).withTruncation(Truncation.NONE));
            Djl.assertSame(ref.encode(texts.get(0), texts.get(1)), full.encode(texts.get(0), texts.get(1)), "untruncated pair");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"all-minilm-l6-v2", "bge-small-en-v15"})
    void decodeMatchesHuggingFace(String model) throws Exception {
        Path json = TestArtifacts.model(model).resolve("tokenizer.json");
        BertTokenizer mine = BertTokenizer.fromTokenizerJson(json);
        List<String> texts = TestArtifacts.imdbTexts(300, 11);
        texts = new java.util.ArrayList<>(texts);
        texts.add("Don't do it, it's 'quoted' ... n't 'm 's 've 're do not! ? [CLS] x [SEP] ##ing");
        try (HuggingFaceTokenizer ref = Djl.untruncated(json)) {
            for (int i = 0; i < texts.size(); i++) {
                int[] ids = mine.encode(texts.get(i)).inputIds();
                long[] lids = new long[ids.length];
                for (int k = 0; k < ids.length; k++) lids[k] = ids[k];
                assertEquals(ref.decode(lids, true), mine.decode(ids, true), "decode skipping specials, text " + i);
                assertEquals(ref.decode(lids, false), mine.decode(ids, false), "decode with specials, text " + i);
            }
            long[] odd = {2003, 1005, 1055, 999_999, 1029, 1010, 0, 7592, 2015, 101};
            int[] oddInts = {2003, 1005, 1055, 999_999, 1029, 1010, 0, 7592, 2015, 101};
            assertEquals(ref.decode(odd, true), mine.decode(oddInts, true), "out-of-vocabulary id and leading piece");
            assertEquals(ref.decode(odd, false), mine.decode(oddInts, false));
            assertEquals(ref.decode(new long[0], true), mine.decode(new int[0], true));
        }
    }
}
