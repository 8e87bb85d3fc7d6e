package io.jformer.bert.tokenizer;

/**
 * The character predicates of Hugging Face tokenizers' BERT normalizer and pre-tokenizer, in one place.
 *
 * <p>Hugging Face's Rust code uses {@code char::is_whitespace} (the Unicode White_Space property),
 * {@code char::to_lowercase} (full lower-case mapping) and the {@code unicode_categories} crate for
 * "other" (control), "punctuation" and "non-spacing mark". Where the JDK's Unicode tables give a different
 * answer for a code point than Hugging Face does, the exception is listed here, as an absolute fact about
 * Hugging Face's behaviour (so the answer does not change with the JDK's Unicode version).
 */
final class HfUnicode {
    private HfUnicode() {}

    /** Rust's {@code char::is_whitespace}: the Unicode White_Space property. */
    static boolean isWhitespace(int c) {
        if (c <= 0x20) return c == 0x20 || (c >= 0x09 && c <= 0x0D);
        if (c < 0x85) return false;
        return c == 0x85 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A)
                || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
    }

    /** Hugging Face's {@code is_control}: categories Cc, Cf, Co (Unicode 8.0), except tab, newline and carriage return. */
    static boolean isControl(int c) {
        if (c == '\t' || c == '\n' || c == '\r') return false;
        return HfUnicodeTables.contains(HfUnicodeTables.OTHER, c);
    }

    /** BERT's punctuation: ASCII 33–47, 58–64, 91–96, 123–126, or a P* category (Unicode 8.0). */
    static boolean isPunctuation(int c) {
        if (c < 128) {
            return (c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126);
        }
        return HfUnicodeTables.contains(HfUnicodeTables.PUNCTUATION, c);
    }

    /** Category Mn (Unicode 8.0), the marks removed when stripping accents. */
    static boolean isNonSpacingMark(int c) {
        return HfUnicodeTables.contains(HfUnicodeTables.NON_SPACING_MARK, c);
    }

    /**
     * Hugging Face's {@code is_chinese_char}: the CJK ranges of BERT's {@code _is_chinese_char}, except that
     * Hugging Face's fourth extension range starts at 0x2B920 where BERT's starts at 0x2B820 (a typo in
     * tokenizers, kept here for parity: U+2B820–U+2B91F are not split off as ideographs).
     */
    static boolean isChinese(int c) {
        return (c >= 0x4E00 && c <= 0x9FFF)
                || (c >= 0x3400 && c <= 0x4DBF)
                || (c >= 0x20000 && c <= 0x2A6DF)
                || (c >= 0x2A700 && c <= 0x2B73F)
                || (c >= 0x2B740 && c <= 0x2B81F)
                || (c >= 0x2B920 && c <= 0x2CEAF)
                || (c >= 0xF900 && c <= 0xFAFF)
                || (c >= 0x2F800 && c <= 0x2FA1F);
    }

    /**
     * Rust's {@code char::to_lowercase}: the full (context-free) lower-case mapping, appended to {@code out}.
     * Returns the new length.
     */
    static int toLowerCase(int c, int[] out, int n) {
        if (c == 0x130) { // LATIN CAPITAL LETTER I WITH DOT ABOVE: the one unconditional multi-char mapping
            out[n++] = 'i';
            out[n++] = 0x307;
            return n;
        }
        out[n++] = Character.toLowerCase(c);
        return n;
    }
}
