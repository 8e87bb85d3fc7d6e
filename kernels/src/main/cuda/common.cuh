// Shared helpers for every jformer kernel: dtype codes, converting loads/stores, strided layouts, reductions.
// The structs here are filled by io.jformer.kernels.Layouts on the Java side; keep the two in step.
#pragma once
#include <cuda_fp16.h>
#include <cuda_bf16.h>

// DType codes: the ordinal of io.jformer.tensor.DType.
#define DT_F32 0
#define DT_F16 1
#define DT_BF16 2
#define DT_I64 3

#define MAX_RANK 8

// Up to four operands (operand 0 is the output) walked together over one broadcast shape.
struct Layout4 {
    int rank;
    int n;                       // number of elements of the shape
    int shape[MAX_RANK];
    int stride[4][MAX_RANK];     // element strides, 0 where broadcast
    int offset[4];               // element offset of element 0
    int dtype[4];
};

// Rows of a (possibly strided, broadcast) tensor: the leading dimensions pick a row, the last is the row.
struct RowLayout {
    int rank;                    // rank of the leading (row-index) shape
    int shape[MAX_RANK];
    int stride[3][MAX_RANK];
    int rowStride[3];            // stride along the row for each operand
    int offset[3];
    int dtype[3];
};

__device__ __forceinline__ float load_f(const void* p, int dtype, long long i) {
    switch (dtype) {
        case DT_F32: return ((const float*)p)[i];
        case DT_F16: return __half2float(((const __half*)p)[i]);
        case DT_BF16: return __bfloat162float(((const __nv_bfloat16*)p)[i]);
        default: return (float)((const long long*)p)[i];
    }
}

__device__ __forceinline__ void store_f(void* p, int dtype, long long i, float v) {
    switch (dtype) {
        case DT_F32: ((float*)p)[i] = v; break;
        case DT_F16: ((__half*)p)[i] = __float2half_rn(v); break;
        case DT_BF16: ((__nv_bfloat16*)p)[i] = __float2bfloat16_rn(v); break;
        // float -> integer conversion in PTX truncates, saturates and maps NaN to 0, as Java's (long) cast does.
        default: ((long long*)p)[i] = (long long)v; break;
    }
}

// Element offsets of linear index idx (row-major over L.shape) for the first `ops` operands.
// The index math is 32-bit (L.n is an int, so every index fits): a 64-bit division is a long emulated
// sequence, and one per dimension per element made the element-wise kernels compute-bound at a fifth of the
// memory bandwidth. Contiguous launches (rank 1 after the host merges dimensions) divide not at all.
__device__ __forceinline__ void layout_offsets(const Layout4& L, int ops, long long idx, long long* off) {
    int i = (int)idx;
    if (L.rank == 1) {
        for (int k = 0; k < ops; k++) off[k] = L.offset[k] + (long long)i * L.stride[k][0];
        return;
    }
    for (int k = 0; k < ops; k++) off[k] = L.offset[k];
    for (int d = L.rank - 1; d >= 0; d--) {
        int s = L.shape[d];
        int c = i % s;
        i /= s;
        for (int k = 0; k < ops; k++) off[k] += (long long)c * L.stride[k][d];
    }
}

// Element offset of the first element of row r for operand k.
__device__ __forceinline__ long long row_base(const RowLayout& L, int k, long long row) {
    long long off = L.offset[k];
    int r = (int)row; // rows are counted in an int on the host
    for (int d = L.rank - 1; d >= 0; d--) {
        int s = L.shape[d];
        off += (long long)(r % s) * L.stride[k][d];
        r /= s;
    }
    return off;
}

__device__ __forceinline__ float warp_sum(float v) {
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

__device__ __forceinline__ double warp_sum_d(double v) {
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

// NaN-propagating max/min (fmaxf drops NaN; Java's Math.max and PyTorch keep it).
__device__ __forceinline__ float max_nan(float a, float b) { return (a != a || b != b) ? __int_as_float(0x7fc00000) : fmaxf(a, b); }
__device__ __forceinline__ float min_nan(float a, float b) { return (a != a || b != b) ? __int_as_float(0x7fc00000) : fminf(a, b); }

__device__ __forceinline__ float warp_max(float v) {
    for (int o = 16; o > 0; o >>= 1) v = max_nan(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}

// Block-wide sum; every thread gets the result. `scratch` needs 32 floats. Fixed order: deterministic.
__device__ __forceinline__ float block_sum(float v, float* scratch) {
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = (blockDim.x + 31) >> 5;
    v = warp_sum(v);
    __syncthreads();
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    v = lane < warps ? scratch[lane] : 0.f;
    v = warp_sum(v);
    return v;
}

__device__ __forceinline__ double block_sum_d(double v, double* scratch) {
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = (blockDim.x + 31) >> 5;
    v = warp_sum_d(v);
    __syncthreads();
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    v = lane < warps ? scratch[lane] : 0.0;
    v = warp_sum_d(v);
    return v;
}

__device__ __forceinline__ float block_max(float v, float* scratch) {
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = (blockDim.x + 31) >> 5;
    v = warp_max(v);
    __syncthreads();
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    v = lane < warps ? scratch[lane] : -INFINITY;
    v = warp_max(v);
    return v;
}

// x * Phi(x) with Phi(x) = erfc(-x / sqrt 2) / 2: erfc keeps its relative accuracy in the left tail, where
// 1 + erf(x / sqrt 2) would cancel.
__device__ __forceinline__ float norm_cdf(float x) { return 0.5f * erfcf(-x * 0.70710678118654752f); }
__device__ __forceinline__ float gelu_erf(float x) { return x * norm_cdf(x); }
__device__ __forceinline__ float gelu_tanh(float x) {
    return 0.5f * x * (1.f + tanhf(0.7978845608028654f * (x + 0.044715f * x * x * x)));
}

// Grid-stride loop over [0, n).
#define GRID_LOOP(i, n) for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < (n); i += (long long)gridDim.x * blockDim.x)
