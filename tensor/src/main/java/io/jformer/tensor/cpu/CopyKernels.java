package io.jformer.tensor.cpu;

import io.jformer.tensor.DType;
import io.jformer.tensor.HalfFloats;

/** Strided copy rows with dtype conversion. Operand 0 is the destination, operand 1 the source. */
final class CopyKernels {

    private CopyKernels() {
    }

    static void copyRow(CpuStorage dst, CpuStorage src, int[] off, int len, int[] st) {
        DType from = src.dtype();
        DType to = dst.dtype();
        int d = off[0];
        int s = off[1];
        int ds = st[0];
        int ss = st[1];
        if (from == to && ds == 1 && ss == 1) {
            System.arraycopy(array(src), s, array(dst), d, len);
            return;
        }
        if (to == DType.I64) {
            long[] out = dst.longs();
            if (from == DType.I64) {
                long[] in = src.longs();
                for (int i = 0; i < len; i++) {
                    out[d + i * ds] = in[s + i * ss];
                }
            } else {
                for (int i = 0; i < len; i++) {
                    out[d + i * ds] = (long) readFloat(src, s + i * ss); // truncates toward zero, like a C cast
                }
            }
            return;
        }
        if (to == DType.F32) {
            float[] out = dst.floats();
            for (int i = 0; i < len; i++) {
                out[d + i * ds] = readFloat(src, s + i * ss);
            }
            return;
        }
        short[] out = dst.halves();
        boolean half = to == DType.F16;
        for (int i = 0; i < len; i++) {
            float v = readFloat(src, s + i * ss);
            out[d + i * ds] = half ? HalfFloats.floatToHalf(v) : HalfFloats.floatToBFloat16(v);
        }
    }

    private static Object array(CpuStorage s) {
        return switch (s.dtype()) {
            case F32 -> s.floats();
            case F16, BF16 -> s.halves();
            case I64 -> s.longs();
        };
    }

    private static float readFloat(CpuStorage s, int i) {
        return switch (s.dtype()) {
            case F32 -> s.floats()[i];
            case F16 -> HalfFloats.halfToFloat(s.halves()[i]);
            case BF16 -> HalfFloats.bfloat16ToFloat(s.halves()[i]);
            case I64 -> s.longs()[i];
        };
    }

    static void fillRow(CpuStorage dst, double value, int offset, int len, int stride) {
        switch (dst.dtype()) {
            case F32 -> {
                float[] a = dst.floats();
                float v = (float) value;
                for (int i = 0; i < len; i++) {
                    a[offset + i * stride] = v;
                }
            }
            case F16, BF16 -> {
                short[] a = dst.halves();
                short v = dst.dtype() == DType.F16 ? HalfFloats.floatToHalf((float) value)
                        : HalfFloats.floatToBFloat16((float) value);
                for (int i = 0; i < len; i++) {
                    a[offset + i * stride] = v;
                }
            }
            case I64 -> {
                long[] a = dst.longs();
                long v = (long) value;
                for (int i = 0; i < len; i++) {
                    a[offset + i * stride] = v;
                }
            }
        }
    }
}
