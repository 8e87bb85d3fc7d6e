package io.jformer.tensor.io;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A safetensors file that breaks the format: truncated, a header that is not valid JSON, a tensor entry with a
 * missing or impossible field, data offsets that do not fit the shape or the file, overlapping tensors.
 *
 * <p>The message always names the file, the tensor where one is involved, and the absolute byte offset in the file
 * where the problem was found, so a broken download or a buggy writer can be diagnosed from the message alone.
 */
public final class SafeTensorsFormatException extends IOException {

    private static final long serialVersionUID = 1L;

    private final transient Path file;
    /** The tensor involved, or null. */
    private final String tensorName;
    /** The absolute byte offset in the file where the problem was found. */
    private final long byteOffset;

    SafeTensorsFormatException(Path file, String tensorName, long byteOffset, String detail) {
        this(file, tensorName, byteOffset, detail, null);
    }

    SafeTensorsFormatException(Path file, String tensorName, long byteOffset, String detail, Throwable cause) {
        super(describe(file, tensorName, byteOffset, detail), cause);
        this.file = file;
        this.tensorName = tensorName;
        this.byteOffset = byteOffset;
    }

    /** {@code "<file>: tensor 'name' at byte N: detail"}; the tensor part is left out when no tensor is involved. */
    static String describe(Path file, String tensorName, long byteOffset, String detail) {
        StringBuilder sb = new StringBuilder().append(file);
        if (tensorName != null) {
            sb.append(": tensor '").append(tensorName).append('\'');
        }
        return sb.append(" at byte ").append(byteOffset).append(": ").append(detail).toString();
    }

    /** The file that is malformed. */
    public Path file() {
        return file;
    }

    /** The tensor whose entry or data is malformed, or {@code null} when the problem is not about one tensor. */
    public String tensorName() {
        return tensorName;
    }

    /** The absolute offset in the file (from its first byte) where the problem was found. */
    public long byteOffset() {
        return byteOffset;
    }
}
