package io.jformer.tensor.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jformer.tensor.DType;
import io.jformer.tensor.Device;
import io.jformer.tensor.Shape;
import io.jformer.tensor.Storage;
import io.jformer.tensor.Tensor;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A save either replaces the file completely or changes nothing, and leaves no temporary file behind. */
class SafeTensorsAtomicWriteTest {

    @TempDir
    Path dir;

    /** Claims to be CPU F32 storage but is not host arrays, so the writer fails only when it reaches its data. */
    private static Tensor unwritable(int n) {
        Storage alien = new Storage() {
            @Override
            public Device device() {
                return Device.CPU;
            }

            @Override
            public DType dtype() {
                return DType.F32;
            }

            @Override
            public int length() {
                return n;
            }
        };
        return new Tensor(alien, Shape.of(n));
    }

    private List<String> filesInDir() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
    }

    @Test
    void failureMidWriteKeepsTheOldFileAndRemovesTheTemporary() throws IOException {
        Path file = dir.resolve("model.safetensors");
        SafeTensors.save(file, Map.of("w", Tensor.of(new float[] {1, 2, 3}, 3)), Map.of("v", "1"));
        byte[] before = Files.readAllBytes(file);

        Map<String, Tensor> next = new LinkedHashMap<>();
        next.put("a", Tensor.ones(1000)); // sorted first: written to the temporary file before the failure
        next.put("zz", unwritable(4));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SafeTensors.save(file, next, Map.of("v", "2")));
        assertTrue(e.getMessage().contains("'zz'"), e.getMessage());

        assertEquals(List.of("model.safetensors"), filesInDir());
        assertArrayEquals(before, Files.readAllBytes(file));
    }

    @Test
    void failedFirstSaveLeavesNoFileAtAll() throws IOException {
        Path file = dir.resolve("model.safetensors");
        assertThrows(IllegalArgumentException.class, () -> SafeTensors.save(file, Map.of("x", unwritable(2)), null));
        assertEquals(List.of(), filesInDir());
    }

    @Test
    void invalidInputIsRejectedBeforeTouchingTheDisk() throws IOException {
        Path file = dir.resolve("model.safetensors");
        IllegalArgumentException reserved = assertThrows(IllegalArgumentException.class,
                () -> SafeTensors.save(file, Map.of("__metadata__", Tensor.ones(1)), null));
        assertTrue(reserved.getMessage().contains("__metadata__"), reserved.getMessage());
        Map<String, Tensor> withNull = new LinkedHashMap<>();
        withNull.put("w", null);
        IllegalArgumentException nullTensor = assertThrows(IllegalArgumentException.class,
                () -> SafeTensors.save(file, withNull, null));
        assertTrue(nullTensor.getMessage().contains("'w'"), nullTensor.getMessage());
        assertEquals(List.of(), filesInDir());
    }

    @Test
    void savedFileGetsOrdinaryPermissions() throws IOException {
        assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"));
        Path plain = Files.write(dir.resolve("plain.bin"), new byte[1]);
        Path saved = dir.resolve("model.safetensors");
        SafeTensors.save(saved, Map.of("w", Tensor.ones(1)), null);
        // A temporary file from Files.createTempFile would be owner-only, and the rename would keep that.
        assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(saved));
    }
}
