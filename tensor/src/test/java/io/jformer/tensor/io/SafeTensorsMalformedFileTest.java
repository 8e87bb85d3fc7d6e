package io.jformer.tensor.io;

import static io.jformer.tensor.io.HandBuiltFiles.offsetOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every way a file can break the format is reported on opening, with a message naming the file, the tensor where
 * one is involved, and the absolute byte offset of the problem.
 */
class SafeTensorsMalformedFileTest {

    private static final String FILE_NAME = "broken.safetensors";

    @TempDir
    Path dir;

    private Path write(byte[] bytes) throws IOException {
        return Files.write(dir.resolve(FILE_NAME), bytes);
    }

    /** Opens a file with {@code header} and {@code dataBytes} zero bytes of data, expecting it to be rejected. */
    private SafeTensorsFormatException rejected(String header, int dataBytes) throws IOException {
        Path file = write(HandBuiltFiles.file(header, new byte[dataBytes]));
        return assertThrows(SafeTensorsFormatException.class, () -> SafeTensors.open(file).close());
    }

    /** The exception and its message name the file, the tensor (or none) and exactly {@code offset}. */
    private static void assertNames(SafeTensorsFormatException e, String tensor, long offset) {
        String message = e.getMessage();
        assertTrue(message.contains(FILE_NAME), "file named: " + message);
        assertEquals(FILE_NAME, e.file().getFileName().toString());
        if (tensor == null) {
            assertNull(e.tensorName(), message);
        } else {
            assertEquals(tensor, e.tensorName(), message);
            assertTrue(message.contains("'" + tensor + "'"), "tensor named: " + message);
        }
        assertEquals(offset, e.byteOffset(), message);
        assertTrue(message.contains("at byte " + offset + ":"), "offset named: " + message);
    }

    /**
     * For JSON syntax errors the offset is Jackson's: the offending byte or the one just after it, depending on the
     * kind of error (and possibly on Jackson's version), so either is accepted.
     */
    private static void assertNamesSyntaxError(SafeTensorsFormatException e, long offendingByte) {
        long reported = e.byteOffset();
        assertTrue(reported == offendingByte || reported == offendingByte + 1,
                "offset " + reported + " should be " + offendingByte + " or just after: " + e.getMessage());
        assertNames(e, null, reported);
        assertMentions(e, "not valid JSON");
    }

    private static void assertMentions(SafeTensorsFormatException e, String... fragments) {
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "expected \"" + f + "\" in: " + e.getMessage());
        }
    }

    // ---- the envelope ------------------------------------------------------------------------------

    @Test
    void fileShorterThanTheLengthPrefix() throws IOException {
        Path file = write(new byte[] {1, 0, 0, 0, 0});
        SafeTensorsFormatException e = assertThrows(SafeTensorsFormatException.class, () -> SafeTensors.open(file));
        assertNames(e, null, 5);
        assertMentions(e, "5 bytes");
    }

    @Test
    void headerLengthBeyondTheFile() throws IOException {
        byte[] bytes = ByteBuffer.allocate(8 + 20).order(ByteOrder.LITTLE_ENDIAN).putLong(1000).array();
        Path file = write(bytes);
        SafeTensorsFormatException e = assertThrows(SafeTensorsFormatException.class, () -> SafeTensors.open(file));
        assertNames(e, null, 0);
        assertMentions(e, "1000", "20 bytes");
    }

    @Test
    void headerLengthWithTheTopBitSetIsNotTakenAsNegative() throws IOException {
        byte[] bytes = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(-8).array();
        Path file = write(bytes);
        SafeTensorsFormatException e = assertThrows(SafeTensorsFormatException.class, () -> SafeTensors.open(file));
        assertNames(e, null, 0);
        assertMentions(e, "18446744073709551608");
    }

    // ---- JSON --------------------------------------------------------------------------------------

    @Test
    void headerThatIsNotJson() throws IOException {
        String header = "{\"w\":{\"dtype\":\"F32\",,\"shape\":[1],\"data_offsets\":[0,4]}}";
        SafeTensorsFormatException e = rejected(header, 4);
        assertNamesSyntaxError(e, offsetOf(header, ",,") + 1);
    }

    @Test
    void truncatedJson() throws IOException {
        String header = "{\"w\":{\"dtype\":\"F32\"";
        SafeTensorsFormatException e = rejected(header, 0);
        assertNamesSyntaxError(e, 8 + header.length());
        assertMentions(e, "end-of-input");
    }

    @Test
    void paddingOtherThanSpaces() throws IOException {
        String header = "{}\0\0\0\0\0\0";
        SafeTensorsFormatException e = rejected(header, 0);
        assertNamesSyntaxError(e, offsetOf(header, "\0"));
    }

    @Test
    void headerThatIsNotAnObject() throws IOException {
        SafeTensorsFormatException e = rejected("[1, 2]", 0);
        assertNames(e, null, 8);
        assertMentions(e, "JSON object");
    }

    @Test
    void entryThatIsNotAnObject() throws IOException {
        String header = "{\"w\":[1,2]}";
        SafeTensorsFormatException e = rejected(header, 0);
        assertNames(e, "w", offsetOf(header, "[1,2]"));
    }

    // ---- tensor entries ----------------------------------------------------------------------------

    @Test
    void missingDtype() throws IOException {
        String header = "{\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]},"
                + "\"w\":{\"shape\":[1],\"data_offsets\":[4,8]}}";
        SafeTensorsFormatException e = rejected(header, 8);
        assertNames(e, "w", offsetOf(header, "\"w\""));
        assertMentions(e, "\"dtype\"");
    }

    @Test
    void missingShape() throws IOException {
        String header = "{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}";
        SafeTensorsFormatException e = rejected(header, 4);
        assertNames(e, "w", offsetOf(header, "\"w\""));
        assertMentions(e, "\"shape\"");
    }

    @Test
    void missingDataOffsets() throws IOException {
        String header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}";
        SafeTensorsFormatException e = rejected(header, 4);
        assertNames(e, "w", offsetOf(header, "\"w\""));
        assertMentions(e, "\"data_offsets\"");
    }

    @Test
    void unknownDtype() throws IOException {
        String header = "{\"w\":{\"dtype\":\"F33\",\"shape\":[1],\"data_offsets\":[0,4]}}";
        SafeTensorsFormatException e = rejected(header, 4);
        assertNames(e, "w", offsetOf(header, "\"F33\""));
        assertMentions(e, "unknown dtype \"F33\"", "BF16");
    }

    @Test
    void dtypeThatIsNotAString() throws IOException {
        String header = "{\"w\":{\"dtype\":32,\"shape\":[1],\"data_offsets\":[0,4]}}";
        SafeTensorsFormatException e = rejected(header, 4);
        assertNames(e, "w", offsetOf(header, "32"));
    }

    @Test
    void negativeShape() throws IOException {
        String header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,-1],\"data_offsets\":[0,4]}}";
        SafeTensorsFormatException e = rejected(header, 4);
        assertNames(e, "w", offsetOf(header, "-1"));
        assertMentions(e, "shape", "-1");
    }

    @Test
    void nonIntegerShape() throws IOException {
        String header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2.5],\"data_offsets\":[0,10]}}";
        SafeTensorsFormatException e = rejected(header, 10);
        assertNames(e, "w", offsetOf(header, "2.5"));
        assertMentions(e, "shape", "2.5");
    }

    @Test
    void shapeOfStrings() throws IOException {
        String header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[\"2\"],\"data_offsets\":[0,8]}}";
        SafeTensorsFormatException e = rejected(header, 8);
        assertNames(e, "w", offsetOf(header, "\"2\""));
    }

    @Test
    void shapeBeyond64Bits() throws IOException {
        String header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[99999999999999999999],\"data_offsets\":[0,8]}}";
        SafeTensorsFormatException e = rejected(header, 8);
        assertNames(e, "w", offsetOf(header, "9999"));
    }

    @Test
    void shapeWhoseByteCountOverflows() throws IOException {
        String header = "{\"w\":{\"dtype\":\"F64\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,8]}}";
        SafeTensorsFormatException e = rejected(header, 8);
        assertNames(e, "w", offsetOf(header, "[0,8]"));
        assertMentions(e, "too large");
    }

    @Test
    void duplicateFieldInAnEntry() throws IOException {
        String header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"dtype\":\"F16\",\"data_offsets\":[0,4]}}";
        SafeTensorsFormatException e = rejected(header, 4);
        assertNames(e, "w", header.lastIndexOf("\"dtype\"") + 8);
        assertMentions(e, "duplicate field \"dtype\"");
    }

    // ---- data offsets ------------------------------------------------------------------------------

    @Test
    void dataOffsetsThatDisagreeWithTheShape() throws IOException {
        String header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,20]}}";
        SafeTensorsFormatException e = rejected(header, 24);
        assertNames(e, "w", offsetOf(header, "[0,20]"));
        assertMentions(e, "20 bytes", "needs 24");
    }

    @Test
    void dataOffsetsThatAreNotAPair() throws IOException {
        String header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}";
        SafeTensorsFormatException e = rejected(header, 8);
        assertNames(e, "w", offsetOf(header, "[0,4,8]"));
    }

    @Test
    void dataOffsetsThatEndBeforeTheyBegin() throws IOException {
        String header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,4]}}";
        SafeTensorsFormatException e = rejected(header, 8);
        assertNames(e, "w", offsetOf(header, "[8,4]"));
    }

    @Test
    void negativeDataOffset() throws IOException {
        String header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[-4,0]}}";
        SafeTensorsFormatException e = rejected(header, 8);
        assertNames(e, "w", offsetOf(header, "-4"));
    }

    @Test
    void dataOffsetsPastTheEndOfTheFile() throws IOException {
        String header = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}";
        SafeTensorsFormatException e = rejected(header, 10);
        assertNames(e, "w", offsetOf(header, "[4,12]"));
        assertMentions(e, "10 bytes");
    }

    @Test
    void overlappingTensors() throws IOException {
        String header = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[12,20]},"
                + "\"w\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[4,12]}}";
        SafeTensorsFormatException e = rejected(header, 20);
        assertNames(e, "w", offsetOf(header, "[4,12]"));
        assertMentions(e, "overlap tensor 'a'");
    }

    @Test
    void emptyTensorsInsideAnotherTensorDoNotOverlap() throws IOException {
        String header = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"e\":{\"dtype\":\"F32\",\"shape\":[0,3],\"data_offsets\":[4,4]}}";
        Path file = write(HandBuiltFiles.file(header, new byte[8]));
        try (SafeTensorsFile f = SafeTensors.open(file)) {
            assertEquals(0, f.load("e").numel());
        }
    }

    // ---- names and metadata ------------------------------------------------------------------------

    @Test
    void duplicateTensorNames() throws IOException {
        String header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}";
        SafeTensorsFormatException e = rejected(header, 8);
        assertNames(e, "w", header.lastIndexOf("\"w\"") + 8);
        assertMentions(e, "duplicate");
    }

    @Test
    void duplicateMetadataKeys() throws IOException {
        String header = "{\"__metadata__\":{\"format\":\"pt\",\"format\":\"tf\"}}";
        SafeTensorsFormatException e = rejected(header, 0);
        assertNames(e, null, header.lastIndexOf("\"format\"") + 8);
    }

    @Test
    void metadataValueThatIsNotAString() throws IOException {
        String header = "{\"__metadata__\":{\"epoch\":3}}";
        SafeTensorsFormatException e = rejected(header, 0);
        assertNames(e, null, offsetOf(header, "3}"));
        assertMentions(e, "\"epoch\"");
    }
}
