package io.jformer.examples;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Keeps the README's "Use it as a library" snippets and this project's code the same: every code block after a
 * {@code <!-- snippet: File.java#name -->} marker must be exactly the code between {@code // snippet:start name}
 * and {@code // snippet:end} in that file (indentation removed), and every marked region must be shown.
 */
class ReadmeSnippetsTest {

    private static final Path README = Path.of("..", "README.md");
    private static final Pattern MARKER =
            Pattern.compile("<!-- snippet: ([A-Za-z0-9_]+\\.java)#([a-z0-9-]+) -->\\s*\\n```java\\n(.*?)```", Pattern.DOTALL);
    private static final Pattern REGION =
            Pattern.compile("// snippet:start ([a-z0-9-]+)\\n(.*?)\\n[ \\t]*// snippet:end", Pattern.DOTALL);

    @Test
    void everyReadmeSnippetIsTheExampleCodeAndEveryExampleRegionIsInTheReadme() throws IOException {
        Map<String, String> regions = regions();
        assertFalse(regions.isEmpty(), "no snippet regions found in src/");
        String readme = Files.readString(README);
        Matcher m = MARKER.matcher(readme);
        Map<String, String> shown = new LinkedHashMap<>();
        while (m.find()) {
            String key = m.group(1) + "#" + m.group(2);
            assertTrue(regions.containsKey(key), "README shows " + key + ", which no example file marks");
            assertEquals(regions.get(key), m.group(3).stripTrailing(), "README snippet " + key
                    + " differs from the example code: copy the region between its snippet markers into README.md");
            shown.put(key, m.group(3));
        }
        assertEquals(regions.keySet(), shown.keySet(), "example regions and README snippets differ");
    }

    /** {@code File.java#name} → the region's code with its common indentation removed. */
    private static Map<String, String> regions() throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        List<Path> files;
        try (Stream<Path> s = Files.walk(Path.of("src"))) {
            files = s.filter(p -> p.toString().endsWith(".java")).sorted().toList();
        }
        for (Path f : files) {
            Matcher m = REGION.matcher(Files.readString(f));
            while (m.find()) {
                out.put(f.getFileName() + "#" + m.group(1), m.group(2).stripIndent().stripTrailing());
            }
        }
        return out;
    }
}
