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

    /**
     * bench from a config.json alone (--random-weights), in F32 and under --amp (on the CPU, autocast's numerics
     * at F32 speed): one JSON line with the guide's keys; without the flag the missing weights are named; and
     * check-device on a machine without a GPU says there is nothing to compare (exit 2).
     */
    @Test
    void benchRunsFromAConfigAloneAndCheckDeviceNeedsADevice() throws Exception {
        Path dir = tmp.resolve("config-only");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"bert\", \"vocab_size\": 1200,"
                + " \"hidden_size\": 32, \"num_hidden_layers\": 2, \"num_attention_heads\": 4,"
                + " \"intermediate_size\": 64, \"max_position_embeddings\": 64}");
        for (boolean amp : new boolean[]{false, true}) {
            List<String> args = new java.util.ArrayList<>(List.of("bench", "--model", dir.toString(), "--random-weights",
                    "--batch", "2", "--seq", "16", "--warmup", "1", "--repeats", "1"));
            if (amp) {
                args.add("--amp");
            }
            Object[] r = run("", args.toArray(String[]::new));
            assertEquals(0, r[0], "amp " + amp);
            JsonNode n = new ObjectMapper().readTree((String) r[1]);
            for (String key : List.of("model", "batch", "seq", "threads", "train_step_s", "train_seq_per_s",
                    "train_gflops", "fwd_s", "fwd_seq_per_s", "fwd_gflops", "peak_rss_mb")) {
                assertTrue(n.has(key), key + " in " + n);
            }
            assertEquals("cpu", n.get("device").asText());
            assertEquals(amp, n.get("amp").asBoolean());
            assertTrue(n.get("train_step_s").asDouble() > 0 && n.get("fwd_s").asDouble() > 0, n.toString());
        }
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CommandLine cli = Main.commandLine();
        cli.setErr(new java.io.PrintWriter(err, true));
        assertEquals(1, cli.execute("bench", "--model", dir.toString(), "--batch", "2", "--seq", "16"));
        assertTrue(err.toString().contains("model.safetensors"), err.toString());
        Object[] r = run("", "check-device", "--model", dir.toString(), "--random-weights");
        assertEquals(2, r[0]);
        assertTrue(((String) r[1]).contains("the device is the CPU"), (String) r[1]);
    }

    private static int[] ints(JsonNode a) {
        int[] v = new int[a.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = a.get(i).asInt();
        }
        return v;
    }
}
