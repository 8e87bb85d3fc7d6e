package io.jformer.tensor.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Builds safetensors bytes by hand, independently of the writer under test. */
final class HandBuiltFiles {

    private HandBuiltFiles() {
    }

    /** The 8-byte little-endian length of {@code header}'s UTF-8 bytes, the header, then {@code data}. */
    static byte[] file(String header, byte[] data) {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + json.length + data.length).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(json.length).put(json).put(data).array();
    }

    static Path write(Path dir, String fileName, String header, byte[] data) throws IOException {
        return Files.write(dir.resolve(fileName), file(header, data));
    }

    /** A little-endian buffer of {@code bytes} bytes to fill with a payload. */
    static ByteBuffer payload(int bytes) {
        return ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** The absolute file offset of the first occurrence of {@code needle} in {@code header}, for expected errors. */
    static long offsetOf(String header, String needle) {
        int at = header.indexOf(needle);
        if (at < 0) {
            throw new IllegalArgumentException(needle + " not in " + header);
        }
        // Headers in these tests are ASCII, so the character index is the byte index.
        return 8 + at;
    }
}
