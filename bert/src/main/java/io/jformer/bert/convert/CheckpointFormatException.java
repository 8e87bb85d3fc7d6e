package io.jformer.bert.convert;

import java.io.IOException;

/**
 * A checkpoint file that cannot be read as what it claims to be: malformed bytes (with the byte offset where
 * reading failed) or a tensor that is missing, unexpected or of the wrong shape.
 */
public final class CheckpointFormatException extends IOException {

    private static final long serialVersionUID = 1L;

    /** The file (or {@code jar!/entry}) the problem is in. */
    private final String source;
    /** The byte offset of the problem, or -1 when it is not at a particular byte. */
    private final long offset;

    /** A problem at byte {@code offset} of {@code source} (a file, or {@code jar!/entry}). */
    public CheckpointFormatException(String source, long offset, String message) {
        this(source, offset, message, null);
    }

    /** A problem at byte {@code offset} of {@code source}, caused by {@code cause}. */
    public CheckpointFormatException(String source, long offset, String message, Throwable cause) {
        super(source + ": at byte " + offset + ": " + message, cause);
        this.source = source;
        this.offset = offset;
    }

    /** A problem with the checkpoint's contents rather than with a particular byte (a missing tensor, say). */
    public CheckpointFormatException(String source, String message) {
        super(source + ": " + message);
        this.source = source;
        this.offset = -1;
    }

    /** The file (or {@code jar!/entry}) the problem is in. */
    public String source() {
        return source;
    }

    /** The byte offset of the problem in {@link #source()}, or -1 when it is not about one place. */
    public long offset() {
        return offset;
    }
}
