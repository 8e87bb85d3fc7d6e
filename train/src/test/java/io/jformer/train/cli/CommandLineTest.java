package io.jformer.train.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jformer.bert.Converter;
import io.jformer.bert.tokenizer.BertTokenizer;
import io.jformer.bert.tokenizer.Encoding;
import io.jformer.train.Artifacts;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command-line contract of the guide (§2) for tokenize, encode and convert, run in-process on MiniLM. */
class CommandLineTest {

    @TempDir
    static Path tmp;
    static Path model;

    @BeforeAll
    static void convert() throws Exception {
        model = tmp.resolve("minilm");
        Converter.convert(Artifacts.miniLmOnnx(), model);
    }

    /** Runs the CLI with {@code stdin}; returns exit code and standard output. */
    private static Object[] run(String stdin, String... args) {
        InputStream oldIn = System.in;
        PrintStream oldOut = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            int code = Main.commandLine().execute(args);
            return new Object[]{code, out.toString(StandardCharsets.UTF_8)};
        } finally {
            System.setIn(oldIn);
            System.setOut(oldOut);
        }
    }

    @Test
    void tokenizePrintsOneJsonObjectPerLineLikeTheTokenizer() throws Exception {
        String input = "Hello, world!\r\nCafé au lait\n\nA very very long line " + "word ".repeat(600) + "\n";
        Object[] r = run(input, "tokenize", "--model", model.toString(), "--max-length", "16");
        assertEquals(0, r[0]);
        String[] lines = ((String) r[1]).split("\n");
        assertEquals(4, lines.length, "one object per input line (\\r\\n ends one line), the empty line included");
        BertTokenizer tok = BertTokenizer.fromModelDir(model);
        tok = tok.withOptions(tok.options().withMaxLength(16));
        List<String> texts = List.of("Hello, world!", "Café au lait", "", "A very very long line " + "word ".repeat(600));
        ObjectMapper json = new ObjectMapper();
        for (int i = 0; i < 4; i++) {
            JsonNode n = json.readTree(lines[i]);
            Encoding e = tok.encode(texts.get(i));
            assertArrayEquals(e.inputIds(), ints(n.get("input_ids")), "line " + i);
            assertArrayEquals(e.tokenTypeIds(), ints(n.get("token_type_ids")));
            assertArrayEquals(e.attentionMask(), ints(n.get("attention_mask")));
        }
        assertEquals(16, ints(json.readTree(lines[3]).get("input_ids")).length, "truncated to --max-length");
    }

    @Test
    void encodeGivesTheSameVectorsForALineAloneAndInABatch() throws Exception {
        Object[] batch = run("short\nA much longer review of a film that was quite good overall.\n", "encode",
                "--model", model.toString(), "--threads", "2");
        Object[] alone = run("short\n", "encode", "--model", model.toString());
        assertEquals(0, batch[0]);
        ObjectMapper json = new ObjectMapper();
        JsonNode first = json.readTree(((String) batch[1]).split("\n")[0]);
        JsonNode single = json.readTree(((String) alone[1]).trim());
        assertEquals(384, first.get("cls").size());
        assertEquals(384, first.get("pooled").size());
        for (String key : List.of("cls", "pooled")) {
            for (int i = 0; i < 384; i++) {
                // Padding is masked out exactly; only summation blocking may differ: fp32 rounding.
                assertEquals(single.get(key).get(i).asDouble(), first.get(key).get(i).asDouble(), 1e-5, key + "[" + i + "]");
            }
        }
    }

    @Test
    void convertWritesAHuggingFaceDirectoryAndBadInputFailsWithAMessage() throws Exception {
        Path out = tmp.resolve("converted");
        Object[] r = run("", "convert", Artifacts.miniLmOnnx().toString(), out.toString());
        assertEquals(0, r[0]);
        for (String f : List.of("config.json", "model.safetensors", "vocab.txt", "tokenizer.json", "tokenizer_config.json")) {
            assertTrue(Files.exists(out.resolve(f)), f);
        }
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CommandLine cli = Main.commandLine();
        cli.setErr(new java.io.PrintWriter(err, true));
        int code = cli.execute("tokenize", "--model", "no-such-model");
        assertEquals(1, code);
        assertTrue(err.toString().contains("no-such-model"), err.toString());
    }

    private static int[] ints(JsonNode a) {
        int[] v = new int[a.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = a.get(i).asInt();
        }
        return v;
    }
}
