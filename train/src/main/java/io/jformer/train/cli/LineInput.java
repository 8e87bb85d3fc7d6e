package io.jformer.train.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Standard input as UTF-8 lines (only \n, \r and \r\n end a line; malformed bytes become U+FFFD). */
final class LineInput {

    private final BufferedReader reader =
            new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8), 1 << 16);

    /** Up to {@code max} next lines; empty at the end of input. */
    List<String> next(int max) throws IOException {
        List<String> lines = new ArrayList<>(max);
        String line;
        while (lines.size() < max && (line = reader.readLine()) != null) {
            lines.add(line);
        }
        return lines;
    }
}
