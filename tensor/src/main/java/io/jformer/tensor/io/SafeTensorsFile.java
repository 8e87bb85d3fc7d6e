package io.jformer.tensor.io;

import io.jformer.tensor.DType;
import io.jformer.tensor.Shape;
import io.jformer.tensor.Storage;
import io.jformer.tensor.Tensor;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * An open safetensors file: its header is parsed and validated on opening; tensor data is memory-mapped and copied
 * into CPU tensors only when asked for.
 *
 * <p>What {@link #load} returns for each stored type: F32, F16, BF16 and I64 load as themselves, bit for bit. F64 loads
 * as F32 (rounded to nearest). BOOL, U8, I8, I16, U16, I32, U32 and U64 load as I64, exactly (a U64 value above
 * 2^63-1 is an error). The 8-bit and sub-byte float types and C64 are recognised but cannot be loaded: the engine has
 * no such types, and {@link #load} throws {@link UnsupportedOperationException} naming the tensor and its type.
 *
 * <p>Loads may run concurrently from several threads. Close the file when done; tensors already loaded stay valid.
 */
public final class SafeTensorsFile implements AutoCloseable {

    /** The reference implementation refuses headers above 100 MB; a larger length means a corrupt or hostile file. */
    static final long MAX_HEADER_BYTES = 100_000_000L;
    /** Bytes mapped at once: far below the 2 GiB a mapping allows, a multiple of every element size. */
    static final int DEFAULT_WINDOW_BYTES = 1 << 30;

    private static final int LENGTH_PREFIX_BYTES = 8;

    private final Path path;
    private final FileChannel channel;
    private final long dataStart;
    private final SafeTensorsHeader header;
    private final TensorDecoder decoder;

    private SafeTensorsFile(Path path, FileChannel channel, long dataStart, SafeTensorsHeader header, int windowBytes) {
        this.path = path;
        this.channel = channel;
        this.dataStart = dataStart;
        this.header = header;
        this.decoder = new TensorDecoder(channel, windowBytes);
    }

    /** Opens and validates {@code path}; tensors are mapped {@code windowBytes} at a time (small in tests). */
    static SafeTensorsFile open(Path path, int windowBytes) throws IOException {
        FileChannel channel = FileChannel.open(path, StandardOpenOption.READ);
        try {
            long size = channel.size();
            if (size < LENGTH_PREFIX_BYTES) {
                throw new SafeTensorsFormatException(path, null, size, "file is " + size
                        + " bytes long, too short for the 8-byte header length");
            }
            long headerLength = readFully(channel, 0, LENGTH_PREFIX_BYTES).order(ByteOrder.LITTLE_ENDIAN).getLong();
            long available = size - LENGTH_PREFIX_BYTES;
            // Compared as unsigned: a length of 2^63 or more reads as negative.
            if (Long.compareUnsigned(headerLength, available) > 0) {
                throw new SafeTensorsFormatException(path, null, 0, "header length " + Long.toUnsignedString(headerLength)
                        + " reaches past the end of the file, which has only " + available + " bytes after the length");
            }
            if (headerLength > MAX_HEADER_BYTES) {
                throw new SafeTensorsFormatException(path, null, 0, "header length " + headerLength
                        + " exceeds the format's limit of " + MAX_HEADER_BYTES + " bytes");
            }
            byte[] json = readFully(channel, LENGTH_PREFIX_BYTES, (int) headerLength).array();
            long dataStart = LENGTH_PREFIX_BYTES + headerLength;
            SafeTensorsHeader header = HeaderParser.parse(path, json, LENGTH_PREFIX_BYTES, size - dataStart);
            return new SafeTensorsFile(path, channel, dataStart, header, windowBytes);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    private static ByteBuffer readFully(FileChannel channel, long position, int length) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(length);
        while (buf.hasRemaining()) {
            if (channel.read(buf, position + buf.position()) < 0) {
                throw new EOFException("file ended at byte " + (position + buf.position()));
            }
        }
        return buf.flip();
    }

    /** The file this was opened from. */
    public Path path() {
        return path;
    }

    /** The tensor names, in the order the header lists them. */
    public Set<String> names() {
        return header.tensors().keySet();
    }

    /** Whether the file holds a tensor called {@code name}. */
    public boolean contains(String name) {
        return header.tensors().containsKey(name);
    }

    /** The header entry of {@code name}; throws {@link NoSuchElementException} naming the file if there is none. */
    public TensorInfo info(String name) {
        TensorInfo info = header.tensors().get(name);
        if (info == null) {
            throw new NoSuchElementException(path + ": no tensor named '" + name + "' (the file holds "
                    + header.tensors().size() + " tensors" + sampleNames() + ")");
        }
        return info;
    }

    private String sampleNames() {
        if (header.tensors().isEmpty()) {
            return "";
        }
        String some = header.tensors().keySet().stream().limit(5).map(n -> "'" + n + "'")
                .collect(Collectors.joining(", "));
        return ", such as " + some;
    }

    /** The {@code __metadata__} strings, in file order; empty when the file has none. */
    public Map<String, String> metadata() {
        return header.metadata();
    }

    /**
     * The tensor {@code name} as a contiguous CPU tensor of the type listed in the class description.
     *
     * @throws NoSuchElementException        if the file has no such tensor
     * @throws UnsupportedOperationException if its type cannot be loaded, or it has 2^31 or more elements
     * @throws IOException                   on a read error, or a U64 value above 2^63-1
     */
    public Tensor load(String name) throws IOException {
        TensorInfo info = info(name);
        SafeTensorsDType dtype = SafeTensorsDType.parse(info.dtype()); // known: the parser checked it
        long start = dataStart + info.begin();
        if (dtype.loadsAs() == null) {
            throw new UnsupportedOperationException(SafeTensorsFormatException.describe(path, name, start,
                    "dtype " + dtype + " cannot be loaded (loadable: " + SafeTensorsDType.loadableNames() + ")"));
        }
        Shape shape = engineShape(info, start);
        ensureOpen();
        Storage storage = decoder.decode(dtype, start, shape.numel(), (offset, value) ->
                new SafeTensorsFormatException(path, name, offset, "U64 value " + value + " does not fit in I64"));
        return new Tensor(storage, shape);
    }

    /** The tensor {@code name} converted to F32 (see {@link #load} for what may fail). */
    public Tensor loadAsF32(String name) throws IOException {
        return load(name).to(DType.F32);
    }

    /** Every tensor, loaded as by {@link #load}, in file order. */
    public Map<String, Tensor> loadAll() throws IOException {
        Map<String, Tensor> all = new LinkedHashMap<>();
        for (String name : names()) {
            all.put(name, load(name));
        }
        return all;
    }

    private Shape engineShape(TensorInfo info, long start) {
        boolean dimTooLarge = info.shape().stream().anyMatch(d -> d > Integer.MAX_VALUE);
        if (info.numel() > Integer.MAX_VALUE || dimTooLarge) {
            throw new UnsupportedOperationException(SafeTensorsFormatException.describe(path, info.name(), start,
                    "shape " + info.shape() + " has " + info.numel() + " elements; jformer tensors hold at most "
                            + "2^31-1 elements and dimensions"));
        }
        return Shape.of(info.shape().stream().mapToInt(Long::intValue).toArray());
    }

    private void ensureOpen() {
        if (!channel.isOpen()) {
            throw new IllegalStateException(path + " is closed");
        }
    }

    /** Releases the file. Mappings made by earlier loads are already copied out, so loaded tensors stay valid. */
    @Override
    public void close() throws IOException {
        channel.close();
    }
}
