package io.jformer.tensor.io;

import io.jformer.tensor.DType;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * Every element type the safetensors format defines, in the reference implementation's declaration order. That
 * order matters: the reference writer sorts tensors by it (descending) so that wider types come first and every
 * tensor's data stays aligned to its element size, and {@link SafeTensorsWriter} does the same. The writer only
 * meets I64 &gt; F32 &gt; BF16 &gt; F16, an order every version of the reference shares; where the newer 8-bit and
 * sub-byte types sit matters to nothing here.
 */
enum SafeTensorsDType {
    BOOL(8, DType.I64),
    F4(4, null),
    F6_E2M3(6, null),
    F6_E3M2(6, null),
    U8(8, DType.I64),
    I8(8, DType.I64),
    F8_E5M2(8, null),
    F8_E4M3(8, null),
    F8_E8M0(8, null),
    F8_E4M3FNUZ(8, null),
    F8_E5M2FNUZ(8, null),
    I16(16, DType.I64),
    U16(16, DType.I64),
    F16(16, DType.F16),
    BF16(16, DType.BF16),
    I32(32, DType.I64),
    U32(32, DType.I64),
    F32(32, DType.F32),
    C64(64, null),
    F64(64, DType.F32),
    I64(64, DType.I64),
    U64(64, DType.I64);

    private final int bits;
    private final DType loadsAs;

    SafeTensorsDType(int bits, DType loadsAs) {
        this.bits = bits;
        this.loadsAs = loadsAs;
    }

    /** Bits per element (sub-byte types pack several elements into a byte). */
    int bits() {
        return bits;
    }

    /** Bytes per element; only meaningful for types of whole bytes. */
    int byteSize() {
        return bits / 8;
    }

    /** The engine type this loads into, or {@code null} when the engine cannot represent it. */
    DType loadsAs() {
        return loadsAs;
    }

    /** Whether {@link #loadsAs()} is this very type, so loading copies bits without converting. */
    boolean isNative() {
        return loadsAs != null && loadsAs.name().equals(name());
    }

    /** The file type of an engine type; every engine type has one. */
    static SafeTensorsDType of(DType dtype) {
        return valueOf(dtype.name());
    }

    /** The type spelled {@code name} in a header, or {@code null} if the format has no such type. */
    static SafeTensorsDType parse(String name) {
        for (SafeTensorsDType t : values()) {
            if (t.name().equals(name)) {
                return t;
            }
        }
        return null;
    }

    /** The spellings of every type, for error messages. */
    static String knownNames() {
        return Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", "));
    }

    /** The spellings of the types {@link SafeTensorsFile#load} accepts, for error messages. */
    static String loadableNames() {
        return Arrays.stream(values()).filter(t -> t.loadsAs != null).map(Enum::name).collect(Collectors.joining(", "));
    }
}
