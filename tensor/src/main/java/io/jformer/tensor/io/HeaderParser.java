package io.jformer.tensor.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses and validates a safetensors header. It walks Jackson's token stream rather than building a tree, so that
 * every error can point at the byte in the file where the offending JSON starts, and so that duplicate keys (which a
 * tree would silently collapse to the last one) are caught and named.
 *
 * <p>Validated: the header is one JSON object; {@code __metadata__}, if present, maps strings to strings; every other
 * key is a tensor entry with a known {@code dtype}, a {@code shape} of non-negative integers and {@code data_offsets}
 * {@code [begin, end]} whose length is exactly {@code numel × element size}, inside the data section, not overlapping
 * another tensor. Unknown fields inside an entry are ignored, as the reference implementation does. Gaps between
 * tensors and unused bytes after the last one are tolerated (the reference rejects them; nothing here depends on
 * their absence).
 */
final class HeaderParser {

    private static final String METADATA_KEY = "__metadata__";

    /** Jackson streams are stateless per parser; the factory itself is thread-safe. */
    private static final JsonFactory JSON = new JsonFactory();

    private final Path file;
    private final long headerStart;
    private final long dataStart;
    private final long dataLength;
    /** Where each tensor's {@code data_offsets} value starts in the file, for overlap errors found after parsing. */
    private final Map<String, Long> offsetsLocation = new HashMap<>();

    private HeaderParser(Path file, long headerStart, long dataStart, long dataLength) {
        this.file = file;
        this.headerStart = headerStart;
        this.dataStart = dataStart;
        this.dataLength = dataLength;
    }

    /**
     * Parses {@code json}, the header bytes that start at file offset {@code headerStart}; the data section follows
     * at {@code headerStart + json.length} and runs for {@code dataLength} bytes.
     */
    static SafeTensorsHeader parse(Path file, byte[] json, long headerStart, long dataLength) throws IOException {
        return new HeaderParser(file, headerStart, headerStart + json.length, dataLength).parse(json);
    }

    private SafeTensorsHeader parse(byte[] json) throws IOException {
        Map<String, String> metadata = new LinkedHashMap<>();
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        boolean sawMetadata = false;
        try (JsonParser p = JSON.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw error(null, p.currentTokenLocation(), "the header must be a JSON object, found " + describe(p));
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String key = p.currentName();
                JsonLocation keyAt = p.currentTokenLocation();
                p.nextToken();
                if (key.equals(METADATA_KEY)) {
                    if (sawMetadata) {
                        throw error(null, keyAt, "duplicate key \"" + METADATA_KEY + "\"");
                    }
                    sawMetadata = true;
                    parseMetadata(p, metadata);
                } else {
                    if (tensors.containsKey(key)) {
                        throw error(key, keyAt, "duplicate tensor name");
                    }
                    tensors.put(key, parseEntry(p, key, keyAt));
                }
            }
            // The loop ends on END_OBJECT for well-formed JSON; Jackson itself rejects anything else there.
            JsonToken trailing = p.nextToken();
            if (trailing != null) {
                throw error(null, p.currentTokenLocation(),
                        "unexpected " + describe(p) + " after the header's JSON object (only spaces may pad it)");
            }
        } catch (JsonProcessingException e) {
            throw new SafeTensorsFormatException(file, null, fileOffset(e.getLocation()),
                    "header is not valid JSON: " + e.getOriginalMessage(), e);
        }
        checkNoOverlap(tensors);
        return new SafeTensorsHeader(Collections.unmodifiableMap(metadata), Collections.unmodifiableMap(tensors));
    }

    private void parseMetadata(JsonParser p, Map<String, String> into) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            throw error(null, p.currentTokenLocation(), "\"" + METADATA_KEY + "\" must be an object of strings, found "
                    + describe(p));
        }
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            JsonLocation keyAt = p.currentTokenLocation();
            if (p.nextToken() != JsonToken.VALUE_STRING) {
                throw error(null, p.currentTokenLocation(), "metadata value for key \"" + key
                        + "\" must be a string, found " + describe(p));
            }
            if (into.putIfAbsent(key, p.getText()) != null) {
                throw error(null, keyAt, "duplicate metadata key \"" + key + "\"");
            }
        }
    }

    private TensorInfo parseEntry(JsonParser p, String name, JsonLocation entryAt) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            throw error(name, p.currentTokenLocation(), "entry must be an object with dtype, shape and data_offsets, "
                    + "found " + describe(p));
        }
        String dtypeName = null;
        JsonLocation dtypeAt = null;
        long[] shape = null;
        long[] offsets = null;
        JsonLocation offsetsAt = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonLocation fieldAt = p.currentTokenLocation();
            p.nextToken();
            JsonLocation valueAt = p.currentTokenLocation();
            switch (field) {
                case "dtype" -> {
                    requireFirst(dtypeName != null, name, fieldAt, field);
                    if (p.currentToken() != JsonToken.VALUE_STRING) {
                        throw error(name, valueAt, "dtype must be a string, found " + describe(p));
                    }
                    dtypeName = p.getText();
                    dtypeAt = valueAt;
                }
                case "shape" -> {
                    requireFirst(shape != null, name, fieldAt, field);
                    shape = parseNaturals(p, name, "shape");
                }
                case "data_offsets" -> {
                    requireFirst(offsets != null, name, fieldAt, field);
                    offsets = parseNaturals(p, name, "data_offsets");
                    offsetsAt = valueAt;
                }
                default -> p.skipChildren();
            }
        }
        requirePresent(dtypeName, name, entryAt, "dtype");
        requirePresent(shape, name, entryAt, "shape");
        requirePresent(offsets, name, entryAt, "data_offsets");
        SafeTensorsDType dtype = SafeTensorsDType.parse(dtypeName);
        if (dtype == null) {
            throw error(name, dtypeAt, "unknown dtype \"" + dtypeName + "\" (the format defines "
                    + SafeTensorsDType.knownNames() + ")");
        }
        if (offsets.length != 2) {
            throw error(name, offsetsAt, "data_offsets must be [begin, end], found " + offsets.length + " numbers");
        }
        checkDataRange(name, dtype, shape, offsets[0], offsets[1], offsetsAt);
        offsetsLocation.put(name, fileOffset(offsetsAt));
        List<Long> dims = new ArrayList<>(shape.length);
        for (long d : shape) {
            dims.add(d);
        }
        return new TensorInfo(name, dtypeName, dims, offsets[0], offsets[1]);
    }

    private void checkDataRange(String name, SafeTensorsDType dtype, long[] shape, long begin, long end,
            JsonLocation at) throws SafeTensorsFormatException {
        String range = "data_offsets [" + begin + ", " + end + "]";
        if (begin > end) {
            throw error(name, at, range + " end before they begin");
        }
        long numel = 1;
        long bits;
        try {
            for (long d : shape) {
                numel = Math.multiplyExact(numel, d);
            }
            bits = Math.multiplyExact(numel, dtype.bits());
        } catch (ArithmeticException e) {
            throw error(name, at, "shape " + Arrays.toString(shape) + " of " + dtype
                    + " is too large to address (more than 2^63 bits)");
        }
        if (bits % 8 != 0) {
            throw error(name, at, "shape " + Arrays.toString(shape) + " of " + dtype + " is " + bits
                    + " bits, not a whole number of bytes");
        }
        if (end - begin != bits / 8) {
            throw error(name, at, range + " hold " + (end - begin) + " bytes but shape "
                    + Arrays.toString(shape) + " of " + dtype + " needs " + bits / 8);
        }
        if (end > dataLength) {
            throw error(name, at, range + " reach past the end of the data section, which holds " + dataLength
                    + " bytes (file bytes " + dataStart + " to " + (dataStart + dataLength) + ")");
        }
    }

    /** Rejects tensors whose data ranges share bytes; empty tensors own no bytes and cannot overlap. */
    private void checkNoOverlap(Map<String, TensorInfo> tensors) throws SafeTensorsFormatException {
        List<TensorInfo> byBegin = new ArrayList<>();
        for (TensorInfo t : tensors.values()) {
            if (t.byteLength() > 0) {
                byBegin.add(t);
            }
        }
        byBegin.sort(Comparator.comparingLong(TensorInfo::begin));
        for (int i = 1; i < byBegin.size(); i++) {
            TensorInfo prev = byBegin.get(i - 1);
            TensorInfo next = byBegin.get(i);
            if (next.begin() < prev.end()) {
                throw new SafeTensorsFormatException(file, next.name(), offsetsLocation.get(next.name()),
                        "data_offsets [" + next.begin() + ", " + next.end() + "] overlap tensor '" + prev.name()
                                + "' at [" + prev.begin() + ", " + prev.end() + "] (file bytes "
                                + (dataStart + next.begin()) + " to " + (dataStart + Math.min(prev.end(), next.end()))
                                + " are claimed twice)");
            }
        }
    }

    /** Reads an array of non-negative integers (a shape or a pair of offsets). */
    private long[] parseNaturals(JsonParser p, String name, String field) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            throw error(name, p.currentTokenLocation(), field + " must be an array of non-negative integers, found "
                    + describe(p));
        }
        List<Long> values = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
            JsonLocation at = p.currentTokenLocation();
            if (p.currentToken() != JsonToken.VALUE_NUMBER_INT) {
                throw error(name, at, field + " must hold non-negative integers, found " + describe(p));
            }
            if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                throw error(name, at, field + " value " + p.getText() + " does not fit in 64 bits");
            }
            long v = p.getLongValue();
            if (v < 0) {
                throw error(name, at, field + " must hold non-negative integers, found " + v);
            }
            values.add(v);
        }
        return values.stream().mapToLong(Long::longValue).toArray();
    }

    private void requireFirst(boolean alreadySeen, String name, JsonLocation at, String field)
            throws SafeTensorsFormatException {
        if (alreadySeen) {
            throw error(name, at, "duplicate field \"" + field + "\"");
        }
    }

    private void requirePresent(Object value, String name, JsonLocation entryAt, String field)
            throws SafeTensorsFormatException {
        if (value == null) {
            throw error(name, entryAt, "entry has no \"" + field + "\"");
        }
    }

    private SafeTensorsFormatException error(String tensor, JsonLocation at, String detail) {
        return new SafeTensorsFormatException(file, tensor, fileOffset(at), detail);
    }

    /** The absolute file offset of a location in the header; Jackson counts bytes when it parses a byte array. */
    private long fileOffset(JsonLocation at) {
        long inHeader = at == null ? -1 : at.getByteOffset();
        return inHeader < 0 ? headerStart : headerStart + inHeader;
    }

    private static String describe(JsonParser p) throws IOException {
        JsonToken t = p.currentToken();
        if (t == null) {
            return "end of input";
        }
        return switch (t) {
            case START_OBJECT -> "an object";
            case START_ARRAY -> "an array";
            case VALUE_STRING -> "string \"" + p.getText() + "\"";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "number " + p.getText();
            case VALUE_TRUE, VALUE_FALSE -> p.getText();
            case VALUE_NULL -> "null";
            default -> t.asString() == null ? t.name() : t.asString();
        };
    }
}
