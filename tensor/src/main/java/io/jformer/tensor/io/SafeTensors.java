package io.jformer.tensor.io;

import io.jformer.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Reading and writing the safetensors format (Hugging Face's checkpoint format): an 8-byte little-endian header
 * length, a JSON header naming each tensor's dtype, shape and byte range, then the raw little-endian row-major data.
 *
 * <pre>{@code
 * try (SafeTensorsFile f = SafeTensors.open(Path.of("model.safetensors"))) {
 *     Tensor w = f.loadAsF32("bert.embeddings.word_embeddings.weight");
 * }
 * SafeTensors.save(Path.of("out.safetensors"), Map.of("w", w), Map.of("format", "pt"));
 * }</pre>
 */
public final class SafeTensors {

    private SafeTensors() {
    }

    /**
     * Opens {@code file} and validates its header; tensor data is memory-mapped when loaded, so files of any size
     * (beyond 2 GiB too) open quickly.
     *
     * @throws SafeTensorsFormatException if the file is truncated or its header is malformed; the message names the
     *                                    file, the tensor and the byte offset
     */
    public static SafeTensorsFile open(Path file) throws IOException {
        return SafeTensorsFile.open(file, SafeTensorsFile.DEFAULT_WINDOW_BYTES);
    }

    /**
     * Writes {@code tensors} (F32, F16, BF16 or I64, any layout, any device) to {@code file}, replacing it atomically.
     * The layout matches the reference implementation's: tensors sorted by element type (widest first) then name,
     * contiguous data, the header padded to a multiple of 8 bytes. On failure no file is left behind and an existing
     * {@code file} is untouched.
     *
     * @param metadata strings for the {@code __metadata__} entry, written in the map's order; {@code null} or empty
     *                 writes none
     * @throws IllegalArgumentException if a name is {@code "__metadata__"} or a tensor or metadata value is null
     */
    public static void save(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        SafeTensorsWriter.write(file, tensors, metadata);
    }

    /** {@link #save(Path, Map, Map)} without metadata. */
    public static void save(Path file, Map<String, Tensor> tensors) throws IOException {
        save(file, tensors, null);
    }
}
