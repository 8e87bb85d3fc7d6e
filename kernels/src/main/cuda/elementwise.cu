// Elementwise kernels over broadcast, strided operands (io.jformer.tensor UnaryOp / BinaryOp / CompareOp
// ordinals), plus strided copy with dtype conversion and fill. Math in fp32; inputs of any dtype are widened
// on load, so fp16 activations feed these directly.
#include "common.cuh"

__device__ __forceinline__ float unary_op(int op, float x) {
    switch (op) {
        case 0: return -x;                                   // NEG
        case 1: return fabsf(x);                             // ABS
        case 2: return expf(x);                              // EXP
        case 3: return logf(x);                              // LOG
        case 4: return sqrtf(x);                             // SQRT
        case 5: return 1.f / sqrtf(x);                       // RSQRT (rsqrtf is 2 ulp; this matches 1/sqrt closer)
        case 6: return tanhf(x);                             // TANH
        case 7: return 1.f / (1.f + expf(-x));               // SIGMOID
        case 8: return x <= 0.f ? 0.f : x;                   // RELU: NaN stays NaN
        case 9: return x * x;                                // SQUARE
        case 10: return gelu_erf(x);                         // GELU
        default: return gelu_tanh(x);                        // GELU_TANH
    }
}

__device__ __forceinline__ float unary_derivative(int op, float x, float y, float dy) {
    switch (op) {
        case 0: return -dy;
        case 1: return x > 0.f ? dy : (x < 0.f ? -dy : 0.f);
        case 2: return dy * y;
        case 3: return dy / x;
        case 4: return dy * 0.5f / y;
        case 5: return dy * -0.5f * y * y * y;
        case 6: return dy * (1.f - y * y);
        case 7: return dy * y * (1.f - y);
        case 8: return x > 0.f ? dy : 0.f;
        case 9: return dy * 2.f * x;
        case 10: {
            float cdf = norm_cdf(x);
            float pdf = 0.3989422804014327f * expf(-0.5f * x * x);
            return dy * (cdf + x * pdf);
        }
        default: {
            float inner = 0.7978845608028654f * (x + 0.044715f * x * x * x);
            float t = tanhf(inner);
            float dInner = 0.7978845608028654f * (1.f + 3.f * 0.044715f * x * x);
            return dy * (0.5f * (1.f + t) + 0.5f * x * (1.f - t * t) * dInner);
        }
    }
}

__device__ __forceinline__ float binary_op(int op, float a, float b) {
    switch (op) {
        case 0: return a + b;
        case 1: return a - b;
        case 2: return a * b;
        case 3: return a / b;
        case 4: return powf(a, b);
        case 5: return max_nan(a, b);
        default: return min_nan(a, b);
    }
}

__device__ __forceinline__ bool compare_op(int op, float a, float b) {
    switch (op) {
        case 0: return a == b;
        case 1: return a != b;
        case 2: return a < b;
        case 3: return a <= b;
        case 4: return a > b;
        default: return a >= b;
    }
}

// kind: 0 unary(x1), 1 binary(x1, x2), 2 compare(x1, x2), 3 where(cond=x1, a=x2, b=x3),
//       4 unary backward(x=x1, y=x2, dy=x3). Operand 0 is the output.
extern "C" __global__ void ew_map(Layout4 L, int kind, int op, void* out, const void* x1, const void* x2,
                                  const void* x3) {
    GRID_LOOP(i, L.n) {
        long long off[4];
        int ops = kind == 0 ? 2 : (kind <= 2 ? 3 : 4);
        layout_offsets(L, ops, i, off);
        float r;
        float a = load_f(x1, L.dtype[1], off[1]);
        switch (kind) {
            case 0: r = unary_op(op, a); break;
            case 1: r = binary_op(op, a, load_f(x2, L.dtype[2], off[2])); break;
            case 2: r = compare_op(op, a, load_f(x2, L.dtype[2], off[2])) ? 1.f : 0.f; break;
            case 3: r = a != 0.f ? load_f(x2, L.dtype[2], off[2]) : load_f(x3, L.dtype[3], off[3]); break;
            default: r = unary_derivative(op, a, load_f(x2, L.dtype[2], off[2]), load_f(x3, L.dtype[3], off[3])); break;
        }
        store_f(out, L.dtype[0], off[0], r);
    }
}

// Strided copy dst (operand 0) <- src (operand 1). Same dtype copies bits (exact for every dtype, NaN payloads
// included); I64 <-> I64 never passes through float.
extern "C" __global__ void ew_copy(Layout4 L, void* dst, const void* src) {
    GRID_LOOP(i, L.n) {
        long long off[2];
        layout_offsets(L, 2, i, off);
        int dt = L.dtype[0], st = L.dtype[1];
        if (dt == st) {
            if (dt == DT_F32) ((float*)dst)[off[0]] = ((const float*)src)[off[1]];
            else if (dt == DT_I64) ((long long*)dst)[off[0]] = ((const long long*)src)[off[1]];
            else ((unsigned short*)dst)[off[0]] = ((const unsigned short*)src)[off[1]];
        } else {
            store_f(dst, dt, off[0], load_f(src, st, off[1]));
        }
    }
}

// Strided fill with a bit pattern prepared on the host (so F16/BF16/I64 get exactly the CPU's value).
extern "C" __global__ void ew_fill(Layout4 L, void* dst, long long bits) {
    GRID_LOOP(i, L.n) {
        long long off[1];
        layout_offsets(L, 1, i, off);
        switch (L.dtype[0]) {
            case DT_F32: ((int*)dst)[off[0]] = (int)bits; break;
            case DT_I64: ((long long*)dst)[off[0]] = bits; break;
            default: ((unsigned short*)dst)[off[0]] = (unsigned short)bits; break;
        }
    }
}
