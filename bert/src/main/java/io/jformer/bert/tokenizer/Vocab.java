package io.jformer.bert.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A WordPiece vocabulary: token ↔ id, the ids of BERT's special tokens, and WordPiece's settings
 * (unknown token, continuing-subword prefix, longest word it will split).
 *
 * <p>Load it from a {@code vocab.txt} (one token a line, id = line number, counted from 0) or from a
 * Hugging Face {@code tokenizer.json} whose model is {@code WordPiece}. Immutable and thread-safe.
 */
public final class Vocab {
    /** WordPiece's default: a word longer than this many characters becomes the unknown token. */
    public static final int DEFAULT_MAX_INPUT_CHARS_PER_WORD = 100;

    private final String[] tokens;
    private final Map<String, Integer> ids;
    private final String unkToken;
    private final String continuingSubwordPrefix;
    private final int maxInputCharsPerWord;
    private final int unkId, clsId, sepId, padId, maskId;

    Vocab(String[] tokens, Map<String, Integer> ids, String unkToken, String continuingSubwordPrefix,
          int maxInputCharsPerWord) {
        this.tokens = tokens;
        this.ids = Map.copyOf(ids);
        this.unkToken = unkToken;
        this.continuingSubwordPrefix = continuingSubwordPrefix;
        this.maxInputCharsPerWord = maxInputCharsPerWord;
        Integer unk = this.ids.get(unkToken);
        if (unk == null) throw new IllegalArgumentException("unknown token " + unkToken + " is not in the vocabulary");
        this.unkId = unk;
        this.clsId = this.ids.getOrDefault("[CLS]", -1);
        this.sepId = this.ids.getOrDefault("[SEP]", -1);
        this.padId = this.ids.getOrDefault("[PAD]", -1);
        this.maskId = this.ids.getOrDefault("[MASK]", -1);
    }

    /**
     * Reads a BERT {@code vocab.txt}: one token a line (UTF-8, line ends {@code \n} or {@code \r\n}),
     * id = line number. A token that appears twice keeps the later id, as BERT's {@code load_vocab} does.
     * WordPiece settings are BERT's: {@code [UNK]}, {@code ##}, 100.
     */
    public static Vocab fromVocabTxt(Path vocabTxt) throws IOException {
        List<String> lines;
        try (BufferedReader r = Files.newBufferedReader(vocabTxt, StandardCharsets.UTF_8)) {
            lines = r.lines().toList();
        }
        // BufferedReader also ends lines at a lone '\r'; BERT's vocab files have none inside tokens.
        int n = lines.size();
        String[] tokens = new String[n];
        Map<String, Integer> ids = new HashMap<>(n * 2);
        for (int i = 0; i < n; i++) {
            String t = lines.get(i);
            // load_vocab strips the line end only; keep other whitespace so ids stay aligned.
            tokens[i] = t;
            ids.put(t, i);
        }
        return new Vocab(tokens, ids, "[UNK]", "##", DEFAULT_MAX_INPUT_CHARS_PER_WORD);
    }

    /**
     * Reads the {@code model} of a Hugging Face {@code tokenizer.json} ({@code type} must be {@code WordPiece}):
     * {@code vocab}, {@code unk_token}, {@code continuing_subword_prefix}, {@code max_input_chars_per_word}.
     * Tokens of {@code added_tokens} that are not in the model's vocabulary are added with their ids.
     */
    public static Vocab fromTokenizerJson(Path tokenizerJson) throws IOException {
        return fromTokenizerJson(new ObjectMapper().readTree(tokenizerJson.toFile()), tokenizerJson.toString());
    }

    static Vocab fromTokenizerJson(JsonNode root, String source) {
        JsonNode model = root.path("model");
        String type = model.path("type").asText("");
        if (!type.equals("WordPiece")) {
            throw new IllegalArgumentException(source + ": model.type is '" + type + "', expected 'WordPiece'");
        }
        JsonNode vocab = model.path("vocab");
        if (!vocab.isObject() || vocab.isEmpty()) throw new IllegalArgumentException(source + ": model.vocab is missing or empty");
        Map<String, Integer> ids = new HashMap<>(vocab.size() * 2);
        int maxId = -1;
        for (Map.Entry<String, JsonNode> e : vocab.properties()) {
            int id = e.getValue().asInt(-1);
            if (id < 0) throw new IllegalArgumentException(source + ": bad id for token '" + e.getKey() + "': " + e.getValue());
            ids.put(e.getKey(), id);
            maxId = Math.max(maxId, id);
        }
        for (JsonNode t : root.path("added_tokens")) {
            String content = t.path("content").asText();
            int id = t.path("id").asInt(-1);
            if (id >= 0 && !ids.containsKey(content)) {
                ids.put(content, id);
                maxId = Math.max(maxId, id);
            }
        }
        String[] tokens = new String[maxId + 1];
        for (Map.Entry<String, Integer> e : ids.entrySet()) tokens[e.getValue()] = e.getKey();
        String unk = model.path("unk_token").asText("[UNK]");
        String prefix = model.path("continuing_subword_prefix").asText("##");
        int maxChars = model.path("max_input_chars_per_word").asInt(DEFAULT_MAX_INPUT_CHARS_PER_WORD);
        return new Vocab(tokens, ids, unk, prefix, maxChars);
    }

    /** Number of ids (one more than the largest id). */
    public int size() { return tokens.length; }

    /** The id of {@code token}, or -1 if it is not in the vocabulary. */
    public int id(String token) {
        Integer id = ids.get(token);
        return id == null ? -1 : id;
    }

    /** The token with this id, or null if there is none. */
    public String token(int id) {
        return id >= 0 && id < tokens.length ? tokens[id] : null;
    }

    /** Id of the unknown token. */
    public int unkId() { return unkId; }
    /** Id of {@code [CLS]}, or -1 if the vocabulary has none. */
    public int clsId() { return clsId; }
    /** Id of {@code [SEP]}, or -1 if the vocabulary has none. */
    public int sepId() { return sepId; }
    /** Id of {@code [PAD]}, or -1 if the vocabulary has none. */
    public int padId() { return padId; }
    /** Id of {@code [MASK]}, or -1 if the vocabulary has none. */
    public int maskId() { return maskId; }
    /** The unknown token ({@code [UNK]}). */
    public String unkToken() { return unkToken; }
    /** The prefix of pieces that continue a word ({@code ##}). */
    public String continuingSubwordPrefix() { return continuingSubwordPrefix; }
    /** Words with more code points than this become the unknown token (100). */
    public int maxInputCharsPerWord() { return maxInputCharsPerWord; }

    /** Token by id, sharing the array (package use only: callers must not modify it). */
    String[] tokensArray() { return tokens; }

    @Override
    public String toString() {
        return "Vocab[size=" + tokens.length + ", unk=" + unkToken + ", prefix=" + continuingSubwordPrefix
                + ", maxInputCharsPerWord=" + maxInputCharsPerWord + "]";
    }
}
