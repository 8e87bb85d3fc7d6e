package io.jformer.bert.tokenizer;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * BERT's text normalization and pre-tokenization, exactly as Hugging Face tokenizers'
 * {@code BertNormalizer} followed by {@code BertPreTokenizer}:
 * <ol>
 *   <li>clean text: drop U+0000, U+FFFD and control/format characters (tab, newline and carriage return
 *       excepted); map every whitespace character to a space;</li>
 *   <li>put spaces around CJK ideographs (the ranges of BERT's {@code _is_chinese_char}, with Hugging Face's
 *       start of 0x2B920 for the fourth extension range);</li>
 *   <li>strip accents: NFD, then drop non-spacing marks (Mn);</li>
 *   <li>lower-case (Rust's full, context-free {@code char::to_lowercase});</li>
 *   <li>split on whitespace, and split off every punctuation character as a word of its own.</li>
 * </ol>
 * A lone UTF-16 surrogate is treated as U+FFFD (so it is dropped when cleaning text).
 *
 * <p>Character categories (control, punctuation, non-spacing mark) are Hugging Face's, which come from
 * Unicode 8.0 tables, not the JDK's; see {@code HfUnicodeTables}.
 *
 * <p>Each step can be switched off as in {@code BertNormalizer} ({@code strip_accents} defaults to
 * {@code lowercase}). Instances are immutable and thread-safe. The per-character work is a lookup in a
 * table built once per configuration (kept in a static cache of at most 16 entries).
 */
final class BasicTokenizer {

    /** What happens to one BMP character; see {@link #kinds}. */
    static final byte SKIP = 0, BOUNDARY = 1, LETTER = 2, PUNCT = 3, COMPLEX = 4;
    /** Marks a word boundary inside an expansion. */
    static final int BREAK = -1;

    private static final int[] EMPTY = new int[0];
    /** Cache of tables per configuration (16 possible keys), so tokenizers built from the same settings share them. */
    private static final ConcurrentHashMap<Integer, Tables> TABLES = new ConcurrentHashMap<>();

    private final boolean cleanText;
    private final boolean handleChineseChars;
    private final boolean stripAccents;
    private final boolean lowercase;
    private final byte[] kinds;
    private final char[] map;
    private final int[][] complex;

    private record Tables(byte[] kinds, char[] map, int[][] complex) {}

    /**
     * @param cleanText          remove control characters and map whitespace to spaces
     * @param handleChineseChars put spaces around CJK ideographs
     * @param stripAccents       NFD and drop non-spacing marks
     * @param lowercase          lower-case
     */
    public BasicTokenizer(boolean cleanText, boolean handleChineseChars, boolean stripAccents, boolean lowercase) {
        this.cleanText = cleanText;
        this.handleChineseChars = handleChineseChars;
        this.stripAccents = stripAccents;
        this.lowercase = lowercase;
        int key = (cleanText ? 1 : 0) | (handleChineseChars ? 2 : 0) | (stripAccents ? 4 : 0) | (lowercase ? 8 : 0);
        Tables t = TABLES.computeIfAbsent(key, k -> buildTables());
        this.kinds = t.kinds;
        this.map = t.map;
        this.complex = t.complex;
    }

    /** The settings of {@code bert-base-uncased} and its descendants: everything on. */
    public static BasicTokenizer uncased() {
        return new BasicTokenizer(true, true, true, true);
    }

    /** The settings of cased BERT models: no lower-casing and no accent stripping. */
    public static BasicTokenizer cased() {
        return new BasicTokenizer(true, true, false, false);
    }

    /** Whether control characters are removed and whitespace mapped to spaces. */
    public boolean cleanText() { return cleanText; }
    /** Whether CJK ideographs become words of their own. */
    public boolean handleChineseChars() { return handleChineseChars; }
    /** Whether accents (non-spacing marks after NFD) are removed. */
    public boolean stripAccents() { return stripAccents; }
    /** Whether text is lower-cased. */
    public boolean lowercase() { return lowercase; }

    /**
     * Normalizes and splits {@code text} into words (the input of WordPiece). Convenient rather than fast:
     * the tokenizer's hot path streams words without building strings.
     */
    public List<String> tokenize(String text) {
        List<String> words = new ArrayList<>();
        split(text, 0, text.length(), Integer.MAX_VALUE, (buf, len, cps) -> {
            words.add(new String(buf, 0, len));
            return true;
        });
        return words;
    }

    /** Receives the words of {@link #split}. */
    interface WordSink {
        /**
         * One word: {@code buf[0, len)} in UTF-16, {@code codePoints} code points long. When the word has more
         * code points than the split's cap, only its length is exact and the characters are not given.
         * Return false to stop splitting.
         */
        boolean word(char[] buf, int len, int codePoints);
    }

    /**
     * Streams the words of {@code text[from, to)} to {@code sink}. Words longer than {@code cap} code points are
     * reported by length only (WordPiece turns them into the unknown token anyway), so no buffer grows past
     * the cap. Returns false if the sink stopped early.
     */
    boolean split(CharSequence text, int from, int to, int cap, WordSink sink) {
        char[] buf = new char[64];
        int len = 0, cps = 0;
        final byte[] kinds = this.kinds;
        final char[] map = this.map;
        for (int i = from; i < to; i++) {
            char ch = text.charAt(i);
            byte kind;
            int[] expansion = null;
            if (Character.isSurrogate(ch)) {
                if (Character.isHighSurrogate(ch) && i + 1 < to && Character.isLowSurrogate(text.charAt(i + 1))) {
                    expansion = expand(Character.toCodePoint(ch, text.charAt(++i)));
                    kind = COMPLEX;
                } else {
                    ch = '\uFFFD';
                    kind = kinds[ch];
                }
            } else {
                kind = kinds[ch];
            }
            switch (kind) {
                case LETTER:
                    if (cps < cap) {
                        if (len == buf.length) buf = Arrays.copyOf(buf, len * 2);
                        buf[len++] = map[ch];
                    }
                    cps++;
                    break;
                case BOUNDARY:
                    if (cps > 0) {
                        if (!sink.word(buf, len, cps)) return false;
                        len = 0;
                        cps = 0;
                    }
                    break;
                case PUNCT:
                    if (cps > 0 && !sink.word(buf, len, cps)) return false;
                    buf[0] = map[ch];
                    if (!sink.word(buf, 1, 1)) return false;
                    len = 0;
                    cps = 0;
                    break;
                case COMPLEX:
                    if (expansion == null) expansion = complex[map[ch]];
                    for (int v : expansion) {
                        if (v == BREAK) {
                            if (cps > 0) {
                                if (!sink.word(buf, len, cps)) return false;
                                len = 0;
                                cps = 0;
                            }
                        } else {
                            if (cps < cap) {
                                if (len + 2 > buf.length) buf = Arrays.copyOf(buf, buf.length * 2);
                                len += Character.toChars(v, buf, len);
                            }
                            cps++;
                        }
                    }
                    break;
                default: // SKIP
                    break;
            }
        }
        return cps == 0 || sink.word(buf, len, cps);
    }

    /**
     * What the normalizer and pre-tokenizer make of one code point: the code points it becomes, with
     * {@link #BREAK} where a word ends (whitespace, around punctuation and CJK ideographs).
     */
    int[] expand(int c) {
        if (cleanText) {
            if (c == 0 || c == 0xFFFD || HfUnicode.isControl(c)) return EMPTY;
            if (c == '\t' || c == '\n' || c == '\r' || HfUnicode.isWhitespace(c)) c = ' ';
        }
        boolean chinese = handleChineseChars && HfUnicode.isChinese(c);
        int[] seq;
        int n;
        if (stripAccents) {
            String nfd = Normalizer.normalize(new String(Character.toChars(c)), Normalizer.Form.NFD);
            seq = new int[nfd.length() * 2 + 2];
            n = 0;
            for (int i = 0; i < nfd.length(); ) {
                int d = nfd.codePointAt(i);
                i += Character.charCount(d);
                if (!HfUnicode.isNonSpacingMark(d)) seq[n++] = d;
            }
        } else {
            seq = new int[4];
            seq[0] = c;
            n = 1;
        }
        if (lowercase) {
            int[] lower = new int[n * 3 + 2];
            int m = 0;
            for (int i = 0; i < n; i++) m = HfUnicode.toLowerCase(seq[i], lower, m);
            seq = lower;
            n = m;
        }
        int[] out = new int[n * 3 + 2];
        int k = 0;
        if (chinese) out[k++] = BREAK;
        for (int i = 0; i < n; i++) {
            int o = seq[i];
            if (HfUnicode.isWhitespace(o)) {
                out[k++] = BREAK;
            } else if (HfUnicode.isPunctuation(o)) {
                out[k++] = BREAK;
                out[k++] = o;
                out[k++] = BREAK;
            } else {
                out[k++] = o;
            }
        }
        if (chinese) out[k++] = BREAK;
        return Arrays.copyOf(out, k);
    }

    private Tables buildTables() {
        byte[] kinds = new byte[65536];
        char[] map = new char[65536];
        List<int[]> complex = new ArrayList<>();
        for (int c = 0; c < 65536; c++) {
            int[] r = expand(Character.isSurrogate((char) c) ? 0xFFFD : c);
            if (r.length == 0) {
                kinds[c] = SKIP;
            } else if (allBreaks(r)) {
                kinds[c] = BOUNDARY;
            } else if (r.length == 1 && r[0] < 0x10000) {
                kinds[c] = LETTER;
                map[c] = (char) r[0];
            } else if (r.length == 3 && r[0] == BREAK && r[2] == BREAK && r[1] >= 0 && r[1] < 0x10000) {
                kinds[c] = PUNCT;
                map[c] = (char) r[1];
            } else {
                kinds[c] = COMPLEX;
                map[c] = (char) complex.size();
                complex.add(r);
            }
        }
        if (complex.size() > 65536) throw new IllegalStateException("too many complex characters: " + complex.size());
        return new Tables(kinds, map, complex.toArray(new int[0][]));
    }

    private static boolean allBreaks(int[] r) {
        for (int v : r) if (v != BREAK) return false;
        return true;
    }

    @Override
    public String toString() {
        return "BasicTokenizer[cleanText=" + cleanText + ", handleChineseChars=" + handleChineseChars
                + ", stripAccents=" + stripAccents + ", lowercase=" + lowercase + "]";
    }
}
