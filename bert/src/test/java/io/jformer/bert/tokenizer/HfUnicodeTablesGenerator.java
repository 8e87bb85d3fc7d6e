package io.jformer.bert.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Prints the arrays of {@code HfUnicodeTables} by asking Hugging Face's tokenizer (through DJL) about every code
 * point, with normalizers that isolate one question each: "a?b" becomes the single word "ab" under
 * {@code clean_text} alone (an "other" character) or under {@code strip_accents} alone (a non-spacing mark), and
 * becomes three words under no normalizer at all (punctuation, once whitespace is set aside).
 *
 * <p>Run: {@code java -cp <test classpath> io.jformer.bert.tokenizer.HfUnicodeTablesGenerator [tokenizer.json]}
 */
public final class HfUnicodeTablesGenerator {
    private HfUnicodeTablesGenerator() {}

    public static void main(String[] args) throws Exception {
        Path p = args.length > 0 ? Path.of(args[0])
                : io.jformer.bert.TestArtifacts.cache().resolve("models/all-minilm-l6-v2/tokenizer.json");
        JsonNode base = new ObjectMapper().readTree(p.toFile());
        BitSet other = probe(base, bert(true, false), t -> t.length == 3 && t[1].equals("ab"));
        other.clear(0);
        other.clear(0xFFFD);
        BitSet mn = probe(base, bert(false, true), t -> t.length == 3 && t[1].equals("ab"));
        for (int c = mn.nextSetBit(0); c >= 0; c = mn.nextSetBit(c + 1)) {
            String s = Character.toString(c);
            if (!Normalizer.normalize(s, Normalizer.Form.NFD).equals(s)) mn.clear(c);
        }
        BitSet punct = probe(base, NullNode.instance, t -> t.length == 5 && t[1].equals("a") && t[3].equals("b"));
        for (int c = punct.nextSetBit(0); c >= 0; c = punct.nextSetBit(c + 1)) {
            if (HfUnicode.isWhitespace(c)) punct.clear(c);
        }
        System.out.print(ranges("OTHER", other) + ranges("NON_SPACING_MARK", mn) + ranges("PUNCTUATION", punct));
    }

    private static ObjectNode bert(boolean clean, boolean strip) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("type", "BertNormalizer").put("clean_text", clean).put("handle_chinese_chars", false)
                .put("strip_accents", strip).put("lowercase", false);
        return o;
    }

    private static BitSet probe(JsonNode base, JsonNode normalizer, Predicate<String[]> test) throws Exception {
        ObjectNode n = base.deepCopy();
        n.set("normalizer", normalizer);
        n.putNull("truncation");
        n.putNull("padding");
        BitSet bs = new BitSet();
        try (HuggingFaceTokenizer t = HuggingFaceTokenizer.newInstance(
                new ByteArrayInputStream(new ObjectMapper().writeValueAsBytes(n)), Map.of("truncation", "false", "padding", "false"))) {
            List<String> batch = new ArrayList<>();
            List<Integer> cps = new ArrayList<>();
            for (int c = 0; c <= Character.MAX_CODE_POINT; c++) {
                if (c >= Character.MIN_SURROGATE && c <= Character.MAX_SURROGATE) continue;
                batch.add("a" + Character.toString(c) + "b");
                cps.add(c);
                if (batch.size() == 4096 || c == Character.MAX_CODE_POINT) {
                    var encs = t.batchEncode(batch);
                    for (int i = 0; i < batch.size(); i++) if (test.test(encs[i].getTokens())) bs.set(cps.get(i));
                    batch.clear();
                    cps.clear();
                }
            }
        }
        return bs;
    }

    private static String ranges(String name, BitSet bs) {
        StringBuilder sb = new StringBuilder("    static final int[] " + name + " = {\n        ");
        int col = 0, count = 0;
        for (int s = bs.nextSetBit(0); s >= 0; ) {
            int e = bs.nextClearBit(s) - 1;
            String x = String.format("0x%X, 0x%X, ", s, e);
            if (col + x.length() > 110) {
                sb.setLength(sb.length() - 1);
                sb.append("\n        ");
                col = 0;
            }
            sb.append(x);
            col += x.length();
            count++;
            s = bs.nextSetBit(e + 1);
        }
        sb.setLength(sb.length() - 1);
        sb.append("\n    }; // ").append(count).append(" ranges, ").append(bs.cardinality()).append(" code points\n");
        return sb.toString();
    }
}
