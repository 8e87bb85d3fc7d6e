package io.jformer.tensor.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;

/** Buffers little-endian values and bulk arrays into a file channel, counting the bytes written. */
final class LittleEndianChannelWriter {

    private static final int BUFFER_BYTES = 1 << 20;

    private final FileChannel channel;
    private final ByteBuffer buffer = ByteBuffer.allocate(BUFFER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    private long written;

    LittleEndianChannelWriter(FileChannel channel) {
        this.channel = channel;
    }

    void putLong(long value) throws IOException {
        ensureRoom(8);
        buffer.putLong(value);
    }

    void putBytes(byte[] bytes) throws IOException {
        for (int off = 0; off < bytes.length; ) {
            int n = Math.min(room(), bytes.length - off);
            buffer.put(bytes, off, n);
            off += n;
        }
    }

    void putFloats(float[] values, int offset, int count) throws IOException {
        for (int done = 0; done < count; ) {
            int n = Math.min(room() / 4, count - done);
            buffer.asFloatBuffer().put(values, offset + done, n);
            buffer.position(buffer.position() + n * 4); // views do not move the parent buffer's position
            done += n;
        }
    }

    void putShorts(short[] values, int offset, int count) throws IOException {
        for (int done = 0; done < count; ) {
            int n = Math.min(room() / 2, count - done);
            buffer.asShortBuffer().put(values, offset + done, n);
            buffer.position(buffer.position() + n * 2);
            done += n;
        }
    }

    void putLongs(long[] values, int offset, int count) throws IOException {
        for (int done = 0; done < count; ) {
            int n = Math.min(room() / 8, count - done);
            buffer.asLongBuffer().put(values, offset + done, n);
            buffer.position(buffer.position() + n * 8);
            done += n;
        }
    }

    /** Bytes handed to this writer so far, flushed or not. */
    long bytesWritten() {
        return written + buffer.position();
    }

    /** Free space in the buffer after flushing it if it cannot take even one more 8-byte element. */
    private int room() throws IOException {
        ensureRoom(8);
        return buffer.remaining();
    }

    private void ensureRoom(int bytes) throws IOException {
        if (buffer.remaining() < bytes) {
            flush();
        }
    }

    void flush() throws IOException {
        buffer.flip();
        while (buffer.hasRemaining()) {
            written += channel.write(buffer);
        }
        buffer.clear();
    }
}
