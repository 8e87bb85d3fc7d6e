package io.jformer.bert.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * BERT's tokenizer: {@link BasicTokenizer} (normalize, split into words), {@link WordPiece} (split words into
 * vocabulary pieces), then {@code [CLS] A [SEP]} or {@code [CLS] A [SEP] B [SEP]}, truncation and padding.
 * Gives the same ids as Hugging Face tokenizers loaded from the same {@code tokenizer.json}, including
 * added tokens such as {@code [CLS]} written literally in the text (matched before normalization, as
 * Hugging Face does).
 *
 * <pre>{@code
 * BertTokenizer tok = BertTokenizer.fromModelDir(dir)
 *         .withOptions(BertTokenizer.Options.defaults(512).withTruncation(Truncation.HEAD_TAIL));
 * Encoding e = tok.encode("A film that ...");
 * }</pre>
 *
 * Immutable and thread-safe: one instance can serve every thread.
 */
public final class BertTokenizer {

    /** Which tokens survive when the input is longer than {@code maxLength}. */
    public enum Truncation {
        /** No truncation: every token is kept. */
        NONE,
        /** Keep the first tokens: Hugging Face's {@code truncation=True} ({@code longest_first}, right side). */
        HEAD,
        /** Keep the last tokens (Hugging Face's {@code truncation_side="left"}). */
        TAIL,
        /**
         * Keep the first {@link Options#headTokens()} tokens and fill the rest from the end (Sun et al. 2019,
         * "How to fine-tune BERT for text classification?": head 128 + tail 382 for 512).
         */
        HEAD_TAIL
    }

    /** Padding of {@link #encodeBatch}: none, to the longest encoding in the batch, or to {@code maxLength}. */
    public enum Padding {
        /** No padding. */
        NONE,
        /** Pad every encoding of a batch to the longest one. */
        LONGEST,
        /** Pad every encoding to {@code maxLength} (single {@link #encode} calls too). */
        MAX_LENGTH
    }

    /**
     * Encoding options.
     *
     * @param maxLength  the longest encoding, special tokens included (BERT: 512)
     * @param truncation what to keep of longer inputs
     * @param headTokens for {@link Truncation#HEAD_TAIL}: how many tokens of the start to keep (default 128)
     * @param padding    padding
     */
    public record Options(int maxLength, Truncation truncation, int headTokens, Padding padding) {
        /** Checks the options: {@code maxLength} at least 3, {@code headTokens} not negative. */
        public Options {
            Objects.requireNonNull(truncation, "truncation");
            Objects.requireNonNull(padding, "padding");
            if (maxLength < 3) throw new IllegalArgumentException("maxLength must be at least 3 (room for [CLS] and two [SEP]): " + maxLength);
            if (headTokens < 0) throw new IllegalArgumentException("headTokens must be >= 0: " + headTokens);
        }

        /** Head truncation at {@code maxLength}, head+tail split 128, no padding. */
        public static Options defaults(int maxLength) {
            return new Options(maxLength, Truncation.HEAD, 128, Padding.NONE);
        }

        /** A copy with another {@code maxLength}. */
        public Options withMaxLength(int maxLength) { return new Options(maxLength, truncation, headTokens, padding); }
        /** A copy with another truncation. */
        public Options withTruncation(Truncation t) { return new Options(maxLength, t, headTokens, padding); }
        /** A copy with another head length for {@link Truncation#HEAD_TAIL}. */
        public Options withHeadTokens(int k) { return new Options(maxLength, truncation, k, padding); }
        /** A copy with another padding. */
        public Options withPadding(Padding p) { return new Options(maxLength, truncation, headTokens, p); }
    }

    /** BERT's limit, used where the model directory does not say. */
    public static final int DEFAULT_MAX_LENGTH = 512;

    private final Vocab vocab;
    private final BasicTokenizer basic;
    private final WordPiece wordPiece;
    private final AddedTokens added;
    private final int clsId, sepId, padId;
    private final Options options;
    private final String[] tokenById;

    BertTokenizer(Vocab vocab, BasicTokenizer basic, WordPiece wordPiece, AddedTokens added, int clsId, int sepId,
                  Options options) {
        this.vocab = vocab;
        this.basic = basic;
        this.wordPiece = wordPiece;
        this.added = added;
        this.clsId = clsId;
        this.sepId = sepId;
        this.padId = vocab.padId() >= 0 ? vocab.padId() : 0;
        this.options = options;
        this.tokenById = vocab.tokensArray();
        if (clsId < 0 || sepId < 0) throw new IllegalArgumentException("vocabulary has no [CLS] or [SEP] token");
    }

    /** The same tokenizer with other options (the tables are shared). */
    public BertTokenizer withOptions(Options options) {
        return new BertTokenizer(vocab, basic, wordPiece, added, clsId, sepId, Objects.requireNonNull(options));
    }

    /** The encoding options. */
    public Options options() { return options; }
    /** The vocabulary. */
    public Vocab vocab() { return vocab; }
    /** The normalizer and pre-tokenizer. */
    BasicTokenizer basicTokenizer() { return basic; }
    /** The WordPiece matcher. */
    WordPiece wordPiece() { return wordPiece; }

    // ------------------------------------------------------------------------------------------- loading

    /**
     * Loads a model directory: {@code tokenizer.json} if present, else {@code vocab.txt} (lower-casing from
     * {@code tokenizer_config.json}'s {@code do_lower_case}, default true). {@code maxLength} is
     * {@code config.json}'s {@code max_position_embeddings}, else {@code tokenizer_config.json}'s
     * {@code model_max_length}, else 512. The {@code truncation}/{@code padding} blocks of a
     * {@code tokenizer.json} are the exporter's settings and are ignored.
     */
    public static BertTokenizer fromModelDir(Path dir) throws IOException {
        ObjectMapper om = new ObjectMapper();
        Path tc = dir.resolve("tokenizer_config.json");
        JsonNode tokConfig = Files.exists(tc) ? om.readTree(tc.toFile()) : om.createObjectNode();
        int maxLength = DEFAULT_MAX_LENGTH;
        Path cfg = dir.resolve("config.json");
        JsonNode config = Files.exists(cfg) ? om.readTree(cfg.toFile()) : om.createObjectNode();
        if (config.path("max_position_embeddings").canConvertToInt()) {
            maxLength = config.path("max_position_embeddings").asInt();
        } else if (tokConfig.path("model_max_length").isNumber() && tokConfig.path("model_max_length").asDouble() <= 1e6) {
            maxLength = tokConfig.path("model_max_length").asInt();
        }
        Path tj = dir.resolve("tokenizer.json");
        BertTokenizer t;
        if (Files.exists(tj)) {
            t = fromTokenizerJson(tj);
        } else if (Files.exists(dir.resolve("vocab.txt"))) {
            t = fromVocabTxt(dir.resolve("vocab.txt"), tokConfig.path("do_lower_case").asBoolean(true));
        } else {
            throw new IOException("no tokenizer.json or vocab.txt in " + dir);
        }
        return t.withOptions(t.options.withMaxLength(maxLength));
    }

    /**
     * Loads a BERT {@code vocab.txt}: lower-casing and accent stripping as given, text cleaning and CJK
     * splitting on, {@code [PAD] [UNK] [CLS] [SEP] [MASK]} as special tokens (what Hugging Face's
     * {@code BertTokenizerFast} builds from the same file). Options: {@link Options#defaults} of 512.
     */
    public static BertTokenizer fromVocabTxt(Path vocabTxt, boolean lowercase) throws IOException {
        Vocab v = Vocab.fromVocabTxt(vocabTxt);
        List<AddedTokens.Token> specials = new ArrayList<>();
        for (String s : new String[] {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"}) {
            if (v.id(s) >= 0) specials.add(new AddedTokens.Token(s, v.id(s), true));
        }
        return new BertTokenizer(v, new BasicTokenizer(true, true, lowercase, lowercase), new WordPiece(v),
                new AddedTokens(specials, v.size()), v.clsId(), v.sepId(), Options.defaults(DEFAULT_MAX_LENGTH));
    }

    /**
     * Loads a Hugging Face {@code tokenizer.json} with a {@code WordPiece} model, a {@code BertNormalizer} (or
     * none) and a {@code BertPreTokenizer}. Options: {@link Options#defaults} of 512.
     *
     * @throws IllegalArgumentException for a tokenizer this class would not reproduce exactly (another model,
     *                                  normalizer or pre-tokenizer; added tokens with {@code normalized},
     *                                  {@code lstrip}, {@code rstrip} or {@code single_word} set)
     */
    public static BertTokenizer fromTokenizerJson(Path tokenizerJson) throws IOException {
        JsonNode root = new ObjectMapper().readTree(tokenizerJson.toFile());
        String src = tokenizerJson.toString();
        Vocab v = Vocab.fromTokenizerJson(root, src);

        JsonNode norm = root.path("normalizer");
        BasicTokenizer basic;
        if (norm.isMissingNode() || norm.isNull()) {
            basic = new BasicTokenizer(false, false, false, false);
        } else if (norm.path("type").asText().equals("BertNormalizer")) {
            boolean lower = norm.path("lowercase").asBoolean(true);
            JsonNode sa = norm.path("strip_accents");
            boolean strip = sa.isNull() || sa.isMissingNode() ? lower : sa.asBoolean();
            basic = new BasicTokenizer(norm.path("clean_text").asBoolean(true),
                    norm.path("handle_chinese_chars").asBoolean(true), strip, lower);
        } else {
            throw new IllegalArgumentException(src + ": unsupported normalizer " + norm.path("type").asText());
        }
        JsonNode pre = root.path("pre_tokenizer");
        if (!pre.path("type").asText().equals("BertPreTokenizer")) {
            throw new IllegalArgumentException(src + ": unsupported pre_tokenizer " + pre.path("type").asText("null"));
        }

        List<AddedTokens.Token> addedList = new ArrayList<>();
        for (JsonNode t : root.path("added_tokens")) {
            String content = t.path("content").asText();
            for (String flag : new String[] {"normalized", "lstrip", "rstrip", "single_word"}) {
                if (t.path(flag).asBoolean(false)) {
                    throw new IllegalArgumentException(src + ": added token '" + content + "' has " + flag
                            + "=true, which this tokenizer does not support");
                }
            }
            addedList.add(new AddedTokens.Token(content, t.path("id").asInt(), t.path("special").asBoolean(false)));
        }

        int cls = v.clsId(), sep = v.sepId();
        JsonNode post = root.path("post_processor");
        String postType = post.path("type").asText("");
        if (postType.equals("BertProcessing")) {
            cls = post.path("cls").path(1).asInt(cls);
            sep = post.path("sep").path(1).asInt(sep);
        } else if (postType.equals("TemplateProcessing")) {
            JsonNode single = post.path("single");
            String first = single.path(0).path("SpecialToken").path("id").asText(null);
            String last = single.path(single.size() - 1).path("SpecialToken").path("id").asText(null);
            if (single.size() != 3 || first == null || last == null) {
                throw new IllegalArgumentException(src + ": post_processor template is not [CLS] $A [SEP]: " + single);
            }
            cls = post.path("special_tokens").path(first).path("ids").path(0).asInt(v.id(first));
            sep = post.path("special_tokens").path(last).path("ids").path(0).asInt(v.id(last));
        } else if (!post.isMissingNode() && !post.isNull()) {
            throw new IllegalArgumentException(src + ": unsupported post_processor " + postType);
        }
        return new BertTokenizer(v, basic, new WordPiece(v), new AddedTokens(addedList, v.size()), cls, sep,
                Options.defaults(DEFAULT_MAX_LENGTH));
    }

    // ------------------------------------------------------------------------------------------- encoding

    /** Splits text into WordPiece ids (no special tokens), stopping once {@code limit} ids exist. */
    private IntList tokenize(String text, int limit) {
        IntList ids = new IntList(Math.min(text.length() / 3 + 8, 1 << 16));
        final WordPiece wp = wordPiece;
        final int cap = vocab.maxInputCharsPerWord();
        BasicTokenizer.WordSink sink = (buf, len, cps) -> {
            wp.tokenize(buf, len, cps, ids);
            return ids.size() < limit;
        };
        int pos = 0, n = text.length();
        int[] at = new int[1];
        while (pos < n && ids.size() < limit) {
            int k = added.find(text, pos, n, at);
            int end = k < 0 ? n : at[0];
            if (end > pos && !basic.split(text, pos, end, cap, sink)) break;
            if (k < 0) break;
            ids.add(added.get(k).id());
            pos = end + added.get(k).content().length();
        }
        return ids;
    }

    /**
     * The WordPiece tokens of {@code text}, without special tokens and without truncation (for inspection).
     */
    public List<String> tokenize(String text) {
        IntList ids = tokenize(text, Integer.MAX_VALUE);
        List<String> r = new ArrayList<>(ids.size());
        for (int i = 0; i < ids.size(); i++) r.add(tokenById[ids.get(i)]);
        return r;
    }

    /** Encodes one text: {@code [CLS] text [SEP]}, truncated and padded as the options say. */
    public Encoding encode(String text) {
        Objects.requireNonNull(text, "text");
        Options o = options;
        int budget = o.truncation() == Truncation.NONE ? Integer.MAX_VALUE : o.maxLength() - 2;
        IntList ids = tokenize(text, o.truncation() == Truncation.HEAD ? budget : Integer.MAX_VALUE);
        int[] body = slice(ids, Math.min(ids.size(), budget), o);
        int n = body.length + 2;
        int total = o.padding() == Padding.MAX_LENGTH ? Math.max(n, o.maxLength()) : n;
        int[] inputIds = new int[total];
        inputIds[0] = clsId;
        System.arraycopy(body, 0, inputIds, 1, body.length);
        inputIds[n - 1] = sepId;
        return finish(inputIds, n, new int[total], total);
    }

    /** Encodes a pair: {@code [CLS] a [SEP] b [SEP]}, token type 1 for {@code b [SEP]}, truncated longest-first. */
    public Encoding encode(String a, String b) {
        Objects.requireNonNull(a, "a");
        Objects.requireNonNull(b, "b");
        Options o = options;
        IntList ia = tokenize(a, Integer.MAX_VALUE);
        IntList ib = tokenize(b, Integer.MAX_VALUE);
        int na = ia.size(), nb = ib.size();
        if (o.truncation() != Truncation.NONE && na + nb > o.maxLength() - 3) {
            // Hugging Face's longest_first, as in tokenizers' truncate_encodings
            int max = o.maxLength() - 3;
            int n1 = na, n2 = nb;
            boolean swap = n1 > n2;
            if (swap) { int t = n1; n1 = n2; n2 = t; }
            n2 = n1 > max ? n1 : Math.max(n1, max - n1);
            if (n1 + n2 > max) {
                n1 = max / 2;
                n2 = n1 + max % 2;
            }
            if (swap) { int t = n1; n1 = n2; n2 = t; }
            na = Math.min(na, n1);
            nb = Math.min(nb, n2);
        }
        int[] sa = slice(ia, na, o), sb = slice(ib, nb, o);
        int n = sa.length + sb.length + 3;
        int total = o.padding() == Padding.MAX_LENGTH ? Math.max(n, o.maxLength()) : n;
        int[] inputIds = new int[total];
        int[] types = new int[total];
        inputIds[0] = clsId;
        System.arraycopy(sa, 0, inputIds, 1, sa.length);
        inputIds[sa.length + 1] = sepId;
        System.arraycopy(sb, 0, inputIds, sa.length + 2, sb.length);
        inputIds[n - 1] = sepId;
        Arrays.fill(types, sa.length + 2, n, 1);
        return finish(inputIds, n, types, total);
    }

    /**
     * Encodes each text as {@link #encode(String)} does; with {@link Padding#LONGEST} pads all to the longest.
     */
    public List<Encoding> encodeBatch(List<String> texts) {
        List<Encoding> out = new ArrayList<>(texts.size());
        int longest = 0;
        for (String t : texts) {
            Encoding e = encode(t);
            out.add(e);
            longest = Math.max(longest, e.length());
        }
        if (options.padding() == Padding.LONGEST) {
            for (int i = 0; i < out.size(); i++) out.set(i, pad(out.get(i), longest));
        }
        return out;
    }

    /** Keeps {@code keep} of the ids as the truncation strategy says. */
    private static int[] slice(IntList ids, int keep, Options o) {
        int n = ids.size();
        if (keep >= n) return ids.toArray();
        int[] r = new int[keep];
        switch (o.truncation()) {
            case TAIL -> System.arraycopy(ids.a, n - keep, r, 0, keep);
            case HEAD_TAIL -> {
                int head = Math.min(o.headTokens(), keep);
                System.arraycopy(ids.a, 0, r, 0, head);
                System.arraycopy(ids.a, n - (keep - head), r, head, keep - head);
            }
            default -> System.arraycopy(ids.a, 0, r, 0, keep);
        }
        return r;
    }

    /** Fills the mask, pads ids [n, total), looks up tokens. */
    private Encoding finish(int[] inputIds, int n, int[] types, int total) {
        int[] mask = new int[total];
        Arrays.fill(mask, 0, n, 1);
        Arrays.fill(inputIds, n, total, padId);
        String[] tokens = new String[total];
        for (int i = 0; i < total; i++) tokens[i] = tokenById[inputIds[i]];
        return new Encoding(inputIds, types, mask, tokens);
    }

    private Encoding pad(Encoding e, int length) {
        int n = e.length();
        if (n >= length) return e;
        int[] ids = Arrays.copyOf(e.inputIds(), length);
        Arrays.fill(ids, n, length, padId);
        String[] tokens = Arrays.copyOf(e.tokens(), length);
        Arrays.fill(tokens, n, length, tokenById[padId]);
        return new Encoding(ids, Arrays.copyOf(e.tokenTypeIds(), length), Arrays.copyOf(e.attentionMask(), length), tokens);
    }

    // ------------------------------------------------------------------------------------------- decoding

    /**
     * Turns ids back into text like Hugging Face's WordPiece decoder: pieces starting with the continuation
     * prefix are glued to the previous token, other tokens are separated by a space, and a space before
     * {@code . ? ! ,} and some English contractions is removed. Ids outside the vocabulary are skipped.
     *
     * @param skipSpecialTokens drop special tokens ({@code [CLS]}, {@code [SEP]}, {@code [PAD]}, …)
     */
    public String decode(int[] ids, boolean skipSpecialTokens) {
        StringBuilder sb = new StringBuilder(ids.length * 6);
        String prefix = vocab.continuingSubwordPrefix();
        boolean first = true;
        for (int id : ids) {
            String tok = vocab.token(id);
            if (tok == null || (skipSpecialTokens && added.isSpecial(id))) continue;
            if (!first) {
                if (tok.startsWith(prefix)) {
                    tok = tok.substring(prefix.length());
                } else {
                    tok = " " + tok;
                }
            }
            first = false;
            if (tok.indexOf(' ') >= 0) tok = cleanup(tok);
            sb.append(tok);
        }
        return sb.toString();
    }

    /** Hugging Face's {@code decoders::wordpiece::cleanup}, applied to each token. */
    private static String cleanup(String s) {
        return s.replace(" .", ".").replace(" ?", "?").replace(" !", "!").replace(" ,", ",")
                .replace(" ' ", "'").replace(" n't", "n't").replace(" 'm", "'m").replace(" do not", " don't")
                .replace(" 's", "'s").replace(" 've", "'ve").replace(" 're", "'re");
    }

    @Override
    public String toString() {
        return "BertTokenizer[" + vocab + ", " + basic + ", " + options + "]";
    }
}
