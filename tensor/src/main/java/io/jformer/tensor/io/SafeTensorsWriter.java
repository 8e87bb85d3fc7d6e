package io.jformer.tensor.io;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.jformer.tensor.Device;
import io.jformer.tensor.Tensor;
import io.jformer.tensor.cpu.CpuStorage;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes safetensors files laid out as the reference implementation lays them out: tensors sorted by element type,
 * widest first (I64, F32, BF16, F16), then by name; data offsets contiguous from 0; {@code __metadata__} first; the
 * header compact JSON padded with spaces to a multiple of 8 bytes, so every tensor's data is aligned to its element
 * size in the file.
 *
 * <p>The file is replaced atomically: everything goes to a temporary file in the same directory, which is forced to
 * disk and then renamed over the target. A failure at any point deletes the temporary file and leaves any previous
 * file untouched; a reader that has the old file open keeps reading the old contents.
 */
final class SafeTensorsWriter {

    private static final JsonFactory JSON = new JsonFactory();
    private static final int HEADER_ALIGNMENT = 8;

    /** A tensor with its place in the data section. */
    private record Planned(String name, Tensor tensor, SafeTensorsDType dtype, long begin, long end) {
    }

    private SafeTensorsWriter() {
    }

    static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        List<Planned> plan = plan(tensors);
        byte[] header = header(plan, metadata);
        Path target = file.toAbsolutePath();
        Path dir = target.getParent();
        // Not Files.createTempFile: it creates the file readable by its owner only, and the rename would carry
        // that over to the checkpoint. A plain create gets the usual permissions (the umask's).
        Path temp = dir.resolve("." + target.getFileName() + "." + Long.toHexString(ThreadLocalRandom.current().nextLong())
                + ".tmp");
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                writeContents(channel, header, plan);
                channel.force(true);
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (Throwable t) {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException cleanup) {
                t.addSuppressed(cleanup);
            }
            throw t;
        }
        syncDirectory(dir);
    }

    private static List<Planned> plan(Map<String, Tensor> tensors) {
        List<Map.Entry<String, Tensor>> entries = new ArrayList<>(tensors.entrySet());
        for (Map.Entry<String, Tensor> e : entries) {
            if (e.getKey() == null) {
                throw new IllegalArgumentException("tensor names must not be null");
            }
            if (e.getKey().equals("__metadata__")) {
                throw new IllegalArgumentException("\"__metadata__\" is reserved by the format and cannot name a tensor");
            }
            if (e.getValue() == null) {
                throw new IllegalArgumentException("tensor '" + e.getKey() + "' is null");
            }
        }
        Comparator<Map.Entry<String, Tensor>> widestFirst = Comparator.comparing(
                (Map.Entry<String, Tensor> e) -> SafeTensorsDType.of(e.getValue().dtype())).reversed();
        entries.sort(widestFirst.thenComparing(Map.Entry::getKey));
        List<Planned> plan = new ArrayList<>(entries.size());
        long offset = 0;
        for (Map.Entry<String, Tensor> e : entries) {
            Tensor t = e.getValue();
            long bytes = (long) t.numel() * t.dtype().byteSize();
            plan.add(new Planned(e.getKey(), t, SafeTensorsDType.of(t.dtype()), offset, offset + bytes));
            offset += bytes;
        }
        return plan;
    }

    /** The header JSON in UTF-8, padded with spaces to a multiple of {@value #HEADER_ALIGNMENT} bytes. */
    private static byte[] header(List<Planned> plan, Map<String, String> metadata) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = JSON.createGenerator(out, JsonEncoding.UTF8)) {
            g.writeStartObject();
            if (metadata != null && !metadata.isEmpty()) {
                g.writeObjectFieldStart("__metadata__");
                for (Map.Entry<String, String> m : metadata.entrySet()) {
                    if (m.getKey() == null || m.getValue() == null) {
                        throw new IllegalArgumentException("metadata keys and values must not be null: " + m);
                    }
                    g.writeStringField(m.getKey(), m.getValue());
                }
                g.writeEndObject();
            }
            for (Planned p : plan) {
                g.writeObjectFieldStart(p.name());
                g.writeStringField("dtype", p.dtype().name());
                g.writeArrayFieldStart("shape");
                for (int d : p.tensor().shape().toArray()) {
                    g.writeNumber(d);
                }
                g.writeEndArray();
                g.writeArrayFieldStart("data_offsets");
                g.writeNumber(p.begin());
                g.writeNumber(p.end());
                g.writeEndArray();
                g.writeEndObject();
            }
            g.writeEndObject();
        }
        int padding = (HEADER_ALIGNMENT - out.size() % HEADER_ALIGNMENT) % HEADER_ALIGNMENT;
        out.write(" ".repeat(padding).getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    private static void writeContents(FileChannel channel, byte[] header, List<Planned> plan) throws IOException {
        LittleEndianChannelWriter out = new LittleEndianChannelWriter(channel);
        out.putLong(header.length);
        out.putBytes(header);
        long dataStart = out.bytesWritten();
        for (Planned p : plan) {
            writeData(out, p);
            if (out.bytesWritten() != dataStart + p.end()) {
                throw new IllegalStateException("wrote " + (out.bytesWritten() - dataStart - p.begin())
                        + " bytes for tensor '" + p.name() + "', planned " + (p.end() - p.begin()));
            }
        }
        out.flush();
    }

    /** Writes one tensor row-major; a non-contiguous or device tensor is copied to contiguous host memory first. */
    private static void writeData(LittleEndianChannelWriter out, Planned p) throws IOException {
        if (p.tensor().numel() == 0) {
            return; // no bytes; and the engine's contiguous() copy of an empty tensor is not to be relied on
        }
        Tensor host = p.tensor().to(Device.CPU).contiguous();
        if (!(host.storage() instanceof CpuStorage storage)) {
            throw new IllegalArgumentException("cannot write tensor '" + p.name() + "': its storage ("
                    + host.storage().getClass().getName() + ") is not host arrays");
        }
        int from = host.offset();
        int n = host.numel();
        switch (host.dtype()) {
            case F32 -> out.putFloats(storage.floats(), from, n);
            case F16, BF16 -> out.putShorts(storage.halves(), from, n);
            case I64 -> out.putLongs(storage.longs(), from, n);
        }
    }

    /**
     * Forces the directory entry of the renamed file to disk, so a crash right after saving cannot bring back the
     * old file. Linux allows this; some platforms refuse to open a directory, and there the rename is still atomic.
     */
    private static void syncDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // Best effort: see above.
        }
    }
}
