package io.jformer.train.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DataFilesTest {

    @TempDir
    Path tmp;

    @Test
    void csvWithQuotedCommasNewlinesAndNamedLabels() throws IOException {
        Path f = tmp.resolve("reviews.csv");
        Files.writeString(f, "text,label\n\"Great, really great\",pos\n\"two\nlines\",0\nplain,positive\n");
        List<Example> ex = DataFiles.read(f, Labels.SENTIMENT);
        assertEquals(3, ex.size());
        assertEquals("Great, really great", ex.get(0).text());
        assertEquals(1, ex.get(0).label());
        assertEquals("two\nlines", ex.get(1).text());
        assertEquals(0, ex.get(1).label());
        assertEquals(1, ex.get(2).label());
    }

    @Test
    void tsvAndJsonLines() throws IOException {
        Path tsv = tmp.resolve("d.tsv");
        Files.writeString(tsv, "label\ttext\n1\tfine film\nnegative\tbad film\n");
        assertEquals(List.of(1, 0), DataFiles.read(tsv, Labels.SENTIMENT).stream().map(Example::label).toList());
        Path jsonl = tmp.resolve("d.jsonl");
        Files.writeString(jsonl, "{\"text\": \"ok\", \"label\": 1}\n\n{\"text\": \"meh\", \"label\": \"neg\"}\n");
        List<Example> ex = DataFiles.read(jsonl, Labels.SENTIMENT);
        assertEquals(List.of("ok", "meh"), ex.stream().map(Example::text).toList());
        assertEquals(List.of(1, 0), ex.stream().map(Example::label).toList());
    }

    @Test
    void aclImdbFolderLayoutSkipsUnsup() throws IOException {
        for (String label : List.of("pos", "neg", "unsup")) {
            Files.createDirectories(tmp.resolve("train").resolve(label));
            Files.writeString(tmp.resolve("train").resolve(label).resolve("1_7.txt"), label + " review");
        }
        List<Example> ex = DataFiles.read(tmp.resolve("train"), Labels.SENTIMENT);
        assertEquals(2, ex.size());
        assertEquals(0, ex.get(0).label()); // neg sorts first
        assertEquals("pos review", ex.get(1).text());
        assertEquals(1, ex.get(1).label());
    }

    @Test
    void aBadLabelNamesTheFileLineAndTheValidLabels() throws IOException {
        Path f = tmp.resolve("bad.csv");
        Files.writeString(f, "text,label\nfine,1\nodd,maybe\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DataFiles.read(f, Labels.SENTIMENT));
        assertTrue(e.getMessage().contains("bad.csv:3") && e.getMessage().contains("maybe")
                && e.getMessage().contains("negative"), e.getMessage());
        Path oob = tmp.resolve("oob.jsonl");
        Files.writeString(oob, "{\"text\": \"x\", \"label\": 2}\n");
        e = assertThrows(IllegalArgumentException.class, () -> DataFiles.read(oob, Labels.SENTIMENT));
        assertTrue(e.getMessage().contains("oob.jsonl:1") && e.getMessage().contains("'2'"), e.getMessage());
    }

    @Test
    void malformedRowsNameFileAndLine() throws IOException {
        Path csv = tmp.resolve("short.csv");
        Files.writeString(csv, "text,label\nonly-one-field\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DataFiles.read(csv, Labels.SENTIMENT));
        assertTrue(e.getMessage().contains("short.csv:2"), e.getMessage());
        Path jsonl = tmp.resolve("broken.jsonl");
        Files.writeString(jsonl, "{\"text\": \"a\", \"label\": 0}\n{\"text\": \n");
        e = assertThrows(IllegalArgumentException.class, () -> DataFiles.read(jsonl, Labels.SENTIMENT));
        assertTrue(e.getMessage().contains("broken.jsonl:2"), e.getMessage());
        Path noColumn = tmp.resolve("cols.csv");
        Files.writeString(noColumn, "sentence,score\na,1\n");
        e = assertThrows(IllegalArgumentException.class, () -> DataFiles.read(noColumn, Labels.SENTIMENT));
        assertTrue(e.getMessage().contains("label"), e.getMessage());
    }

    @Test
    void splitsAndSamplesAreSeededAndDisjoint() {
        List<Example> all = new java.util.ArrayList<>();
        for (int i = 0; i < 100; i++) {
            all.add(new Example("t" + i, i % 2, "#" + i));
        }
        Splits.TrainValidation a = Splits.split(all, 0.1, 42);
        Splits.TrainValidation b = Splits.split(all, 0.1, 42);
        assertEquals(a, b);
        assertEquals(90, a.train().size());
        assertEquals(10, a.validation().size());
        assertTrue(a.validation().stream().noneMatch(a.train()::contains));
        assertEquals(Splits.sample(all, 7, 1), Splits.sample(all, 7, 1));
        assertTrue(!Splits.sample(all, 7, 1).equals(Splits.sample(all, 7, 2)));
    }
}
