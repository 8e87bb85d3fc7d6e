package io.jformer.bert.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.jformer.bert.TestArtifacts;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** vocab.txt loading, WordPiece's greedy longest match, and the basic tokenizer's steps. */
class VocabAndWordPieceTest {
    @TempDir
    Path tmp;

    Vocab tiny() throws Exception {
        Path p = tmp.resolve("vocab.txt");
        Files.write(p, List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "un", "##aff", "##able", "una", "##ff",
                "aff", "##a", "##b", "##bl", "##e", ",", "x"), StandardCharsets.UTF_8);
        return Vocab.fromVocabTxt(p);
    }

    @Test
    void vocabTxtGivesIdsByLineAndSpecialIds() throws Exception {
        Vocab v = tiny();
        assertEquals(17, v.size());
        assertEquals(0, v.padId());
        assertEquals(1, v.unkId());
        assertEquals(2, v.clsId());
        assertEquals(3, v.sepId());
        assertEquals(4, v.maskId());
        assertEquals(6, v.id("##aff"));
        assertEquals(-1, v.id("nope"));
        assertEquals("una", v.token(8));
        assertEquals(null, v.token(99));
    }

    @Test
    void wordPieceIsGreedyLongestMatchFirst() throws Exception {
        WordPiece wp = new WordPiece(tiny());
        assertEquals(List.of("una", "##ff", "##able"), wp.tokenize("unaffable")); // "una" beats "un"
        assertEquals(List.of("[UNK]"), wp.tokenize("unaffablez")); // one unmatched piece: the whole word is unknown
        assertEquals(List.of("x"), wp.tokenize("x"));
        assertEquals(List.of("aff", "##able"), wp.tokenize("affable"));
        assertEquals(List.of("aff", "##a", "##b", "##e"), wp.tokenize("affabe"));
    }

    @Test
    void wordsLongerThanTheLimitAreUnknown() throws Exception {
        Path json = TestArtifacts.model("all-minilm-l6-v2").resolve("tokenizer.json");
        WordPiece wp = new WordPiece(Vocab.fromTokenizerJson(json));
        assertEquals(List.of("[UNK]"), wp.tokenize("a".repeat(101)));
        assertEquals(false, wp.tokenize("a".repeat(100)).contains("[UNK]"));
        // code points, not UTF-16 units: 100 emoji-free supplementary letters are still one word of 100
        assertEquals(List.of("[UNK]"), wp.tokenize("\uD835\uDC00".repeat(101)));
    }

    @Test
    void vocabTxtTokenizerMatchesTokenizerJson() throws Exception {
        Path json = TestArtifacts.model("all-minilm-l6-v2").resolve("tokenizer.json");
        Vocab v = Vocab.fromTokenizerJson(json);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < v.size(); i++) sb.append(v.token(i)).append('\n');
        Path txt = tmp.resolve("vocab.txt");
        Files.writeString(txt, sb, StandardCharsets.UTF_8);
        BertTokenizer fromTxt = BertTokenizer.fromVocabTxt(txt, true);
        BertTokenizer fromJson = BertTokenizer.fromTokenizerJson(json);
        for (String text : TestArtifacts.imdbTexts(200, 9)) {
            assertEquals(fromJson.encode(text), fromTxt.encode(text));
        }
        assertEquals(fromJson.encode("[CLS] x [MASK]"), fromTxt.encode("[CLS] x [MASK]"));
    }

    @Test
    void modelDirTakesMaxLengthFromConfig() throws Exception {
        Path json = TestArtifacts.model("all-minilm-l6-v2").resolve("tokenizer.json");
        Files.copy(json, tmp.resolve("tokenizer.json"));
        assertEquals(512, BertTokenizer.fromModelDir(tmp).options().maxLength());
        Files.writeString(tmp.resolve("config.json"), "{\"max_position_embeddings\": 256}");
        assertEquals(256, BertTokenizer.fromModelDir(tmp).options().maxLength());
        assertThrows(java.io.IOException.class, () -> BertTokenizer.fromModelDir(tmp.resolve("nowhere")));
    }

    @Test
    void basicTokenizerSplitsLikeBert() {
        BasicTokenizer b = BasicTokenizer.uncased();
        assertEquals(List.of("hello", "!", "how", "are", "u", "?", "cafe", "日", "本"), b.tokenize(" \tHeLLo!how  \n Are yoU?  Café日本".replace("yoU", "U")));
        assertEquals(List.of("HeLLo", "!", "Café"), BasicTokenizer.cased().tokenize("HeLLo!Café"));
        assertEquals(List.of("ab"), b.tokenize("a\u0000\u200Bb"));
    }
}
