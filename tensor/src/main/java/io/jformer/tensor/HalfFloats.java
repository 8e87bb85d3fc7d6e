package io.jformer.tensor;

/**
 * IEEE binary16 and bfloat16 conversions with round-to-nearest-even, NaN preserved as a quiet NaN,
 * overflow to infinity and gradual underflow (binary16 subnormals). JDK 17 has no
 * {@code Float.floatToFloat16}, so the engine carries its own.
 */
public final class HalfFloats {

    private HalfFloats() {
    }

    /** Rounds a float to the nearest binary16, ties to even; returns the 16 bits. */
    public static short floatToHalf(float value) {
        int bits = Float.floatToRawIntBits(value);
        int sign = (bits >>> 16) & 0x8000;
        int exp = (bits >>> 23) & 0xff;
        int mant = bits & 0x7fffff;
        if (exp == 0xff) {
            // Keep NaNs NaN: set the quiet bit so a payload lost in the narrowing cannot turn it into infinity.
            return (short) (sign | 0x7c00 | (mant != 0 ? 0x200 | (mant >>> 13) : 0));
        }
        int halfExp = exp - 127 + 15;
        if (halfExp >= 0x1f) {
            return (short) (sign | 0x7c00);
        }
        if (halfExp <= 0) {
            if (halfExp < -10) {
                return (short) sign; // below half the smallest subnormal: rounds to zero
            }
            // Subnormal: shift the full significand (with its implicit 1) into place, rounding once.
            int full = mant | 0x800000;
            int shift = 14 - halfExp;
            return (short) (sign | roundShift(full, shift));
        }
        // Normal: the rounding carry may propagate into the exponent, which is exactly right (and may give infinity).
        return (short) (sign | ((halfExp << 10) + roundShift(mant, 13)));
    }

    /** Shifts right by {@code shift} bits rounding to nearest, ties to even. */
    private static int roundShift(int value, int shift) {
        int kept = value >>> shift;
        int rest = value & ((1 << shift) - 1);
        int half = 1 << (shift - 1);
        if (rest > half || (rest == half && (kept & 1) != 0)) {
            kept++;
        }
        return kept;
    }

    /** Widens binary16 bits to float exactly. */
    public static float halfToFloat(short half) {
        int h = half & 0xffff;
        int sign = (h & 0x8000) << 16;
        int exp = (h >>> 10) & 0x1f;
        int mant = h & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        if (exp == 0) {
            if (mant == 0) {
                return Float.intBitsToFloat(sign);
            }
            float f = mant * 0x1p-24f; // exact: subnormal halves are multiples of 2^-24
            return sign != 0 ? -f : f;
        }
        return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
    }

    /** Rounds a float to the nearest bfloat16, ties to even; returns the 16 bits. */
    public static short floatToBFloat16(float value) {
        int bits = Float.floatToRawIntBits(value);
        if ((bits & 0x7f800000) == 0x7f800000 && (bits & 0x7fffff) != 0) {
            return (short) ((bits >>> 16) | 0x40);
        }
        int rounding = 0x7fff + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

    /** Widens bfloat16 bits to float exactly. */
    public static float bfloat16ToFloat(short bf16) {
        return Float.intBitsToFloat((bf16 & 0xffff) << 16);
    }
}
