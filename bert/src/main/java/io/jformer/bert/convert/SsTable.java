package io.jformer.bert.convert;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * A reader for the LevelDB-style sorted string table that TensorFlow writes as a checkpoint's
 * {@code .index} file: data blocks of prefix-compressed key/value entries with restart points, an index
 * block of handles to them, and a 48-byte footer ending in the magic number {@code 0xdb4775248b80fb57}.
 * Each block is followed by a compression-type byte and a masked CRC-32C, both checked. Only uncompressed
 * blocks are supported (TensorFlow writes its bundles uncompressed).
 */
final class SsTable {

    /** One key/value pair; {@code valueOffset} is where the value starts in the file (for messages). */
    record Entry(String key, byte[] value, long valueOffset) {}

    static final long MAGIC = 0xdb4775248b80fb57L;
    private static final int FOOTER = 48;
    private static final int TRAILER = 5;

    private SsTable() {}

    /** Every entry of the table in {@code file}, in key order. */
    static List<Entry> read(byte[] file, String source) throws CheckpointFormatException {
        if (file.length < FOOTER) {
            throw new CheckpointFormatException(source, file.length, "file of " + file.length
                    + " bytes is shorter than a table footer (" + FOOTER + " bytes)");
        }
        int footer = file.length - FOOTER;
        long magic = littleEndian64(file, file.length - 8);
        if (magic != MAGIC) {
            throw new CheckpointFormatException(source, file.length - 8, String.format(
                    "bad table magic 0x%016x (expected 0x%016x): not a TensorFlow/LevelDB table", magic, MAGIC));
        }
        long[] handles = new long[4];
        CodedInputStream in = CodedInputStream.newInstance(file, footer, FOOTER - 8);
        try {
            for (int i = 0; i < 4; i++) {
                handles[i] = in.readRawVarint64();
            }
        } catch (IOException e) {
            throw new CheckpointFormatException(source, footer + in.getTotalBytesRead(), "malformed block handle in the footer", e);
        }
        // handles: metaindex (offset, size), index (offset, size); the metaindex is not needed.
        byte[] index = block(file, handles[2], handles[3], footer, "index block", source);
        List<Entry> out = new ArrayList<>();
        for (Entry handle : entries(index, handles[2], source)) {
            CodedInputStream h = CodedInputStream.newInstance(handle.value());
            long offset;
            long size;
            try {
                offset = h.readRawVarint64();
                size = h.readRawVarint64();
            } catch (IOException e) {
                throw new CheckpointFormatException(source, handle.valueOffset(), "malformed block handle in the index block", e);
            }
            out.addAll(entries(block(file, offset, size, footer, "data block", source), offset, source));
        }
        return out;
    }

    /** The contents of the block at {@code offset} (without its trailer), after checking type and checksum. */
    private static byte[] block(byte[] file, long offset, long size, int end, String what, String source)
            throws CheckpointFormatException {
        if (offset < 0 || size < 0 || offset + size + TRAILER > end) {
            throw new CheckpointFormatException(source, offset, what + " handle (offset " + offset + ", size " + size
                    + ") is out of range: the blocks end at byte " + end);
        }
        int o = (int) offset;
        int n = (int) size;
        int type = file[o + n] & 0xff;
        if (type != 0) {
            throw new CheckpointFormatException(source, o + n, what + " is compressed (type " + type
                    + (type == 1 ? ", snappy" : "") + "); only uncompressed tables are supported");
        }
        CRC32C crc = new CRC32C();
        crc.update(file, o, n + 1);
        int stored = (int) littleEndian32(file, o + n + 1);
        int expected = mask((int) crc.getValue());
        if (stored != expected) {
            throw new CheckpointFormatException(source, o + n + 1, String.format(
                    "%s checksum mismatch: stored 0x%08x, computed 0x%08x", what, stored, expected));
        }
        return Arrays.copyOfRange(file, o, o + n);
    }

    /** The entries of one block; {@code base} is the block's offset in the file. */
    private static List<Entry> entries(byte[] block, long base, String source) throws CheckpointFormatException {
        if (block.length < 4) {
            throw new CheckpointFormatException(source, base, "block of " + block.length + " bytes has no restart count");
        }
        long restarts = littleEndian32(block, block.length - 4);
        long dataEnd = block.length - 4 - 4 * restarts;
        if (restarts < 1 || dataEnd < 0) {
            throw new CheckpointFormatException(source, base + block.length - 4, "block of " + block.length
                    + " bytes claims " + restarts + " restart points");
        }
        List<Entry> out = new ArrayList<>();
        CodedInputStream in = CodedInputStream.newInstance(block, 0, (int) dataEnd);
        byte[] key = new byte[0];
        try {
            while (!in.isAtEnd()) {
                int entryStart = in.getTotalBytesRead();
                int shared = in.readRawVarint32();
                int unshared = in.readRawVarint32();
                int valueLength = in.readRawVarint32();
                if (shared < 0 || shared > key.length || unshared < 0 || valueLength < 0) {
                    throw new CheckpointFormatException(source, base + entryStart, "bad entry header (shared " + shared
                            + ", unshared " + unshared + ", value " + valueLength + ") after key of " + key.length + " bytes");
                }
                byte[] next = Arrays.copyOf(key, shared + unshared);
                System.arraycopy(in.readRawBytes(unshared), 0, next, shared, unshared);
                key = next;
                long valueOffset = base + in.getTotalBytesRead();
                byte[] value = in.readRawBytes(valueLength);
                out.add(new Entry(new String(key, StandardCharsets.UTF_8), value, valueOffset));
            }
        } catch (InvalidProtocolBufferException e) {
            throw new CheckpointFormatException(source, base + in.getTotalBytesRead(), "truncated block entry", e);
        } catch (CheckpointFormatException e) {
            throw e;
        } catch (IOException e) {
            throw new CheckpointFormatException(source, base + in.getTotalBytesRead(), e.getMessage(), e);
        }
        return out;
    }

    /** LevelDB's checksum masking. */
    static int mask(int crc) {
        return ((crc >>> 15) | (crc << 17)) + 0xa282ead8;
    }

    private static long littleEndian32(byte[] b, int o) {
        return (b[o] & 0xffL) | (b[o + 1] & 0xffL) << 8 | (b[o + 2] & 0xffL) << 16 | (b[o + 3] & 0xffL) << 24;
    }

    private static long littleEndian64(byte[] b, int o) {
        return littleEndian32(b, o) | littleEndian32(b, o + 4) << 32;
    }
}
