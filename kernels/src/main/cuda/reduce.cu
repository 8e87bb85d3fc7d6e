// Reductions. The host permutes the reduced dimensions to the end (rows) or, when they lead, reduces columns
// in place. Every sum runs in a fixed order, so results repeat exactly run to run.
// op: 0 SUM, 1 MAX, 2 MIN; the result is divided by `divisor` (the count, for MEAN; 1 otherwise).
#include "common.cuh"

__device__ __forceinline__ float reduce_init(int op) { return op == 0 ? 0.f : (op == 1 ? -INFINITY : INFINITY); }
__device__ __forceinline__ float reduce_step(int op, float acc, float v) {
    return op == 0 ? acc + v : (op == 1 ? max_nan(acc, v) : min_nan(acc, v));
}

__device__ float block_reduce(int op, float v, float* scratch) {
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = (blockDim.x + 31) >> 5;
    for (int o = 16; o > 0; o >>= 1) v = reduce_step(op, v, __shfl_xor_sync(0xffffffffu, v, o));
    __syncthreads();
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    v = lane < warps ? scratch[lane] : reduce_init(op);
    for (int o = 16; o > 0; o >>= 1) v = reduce_step(op, v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}

// One block per (row, part): out[row * parts + part] = op over x[row*len + part*chunk, +chunk).
// With parts == 1 this is the plain row reduction; with parts > 1 a first pass for very long rows.
extern "C" __global__ void reduce_rows(const void* x, int dtype, int xoff, int rows, int len, int parts, int chunk,
                                       int op, float divisor, float* out) {
    __shared__ float scratch[32];
    int row = blockIdx.x;
    int part = blockIdx.y;
    if (row >= rows) return;
    long long base = xoff + (long long)row * len;
    int start = part * chunk;
    int end = min(len, start + chunk);
    float acc = reduce_init(op);
    for (int i = start + threadIdx.x; i < end; i += blockDim.x) acc = reduce_step(op, acc, load_f(x, dtype, base + i));
    acc = block_reduce(op, acc, scratch);
    if (threadIdx.x == 0) out[(long long)row * parts + part] = acc / divisor;
}

// Reduces a contiguous [len, cols] block over its first dimension. Block (32, 8): threadIdx.x picks the
// column, threadIdx.y strides over len; the 8 partials are combined in a fixed order.
extern "C" __global__ void reduce_cols(const void* x, int dtype, int xoff, int len, int cols, int op, float divisor,
                                       float* out) {
    __shared__ float part[8][33];
    int c = blockIdx.x * 32 + threadIdx.x;
    float acc = reduce_init(op);
    if (c < cols) {
        for (int l = threadIdx.y; l < len; l += 8) acc = reduce_step(op, acc, load_f(x, dtype, xoff + (long long)l * cols + c));
    }
    part[threadIdx.y][threadIdx.x] = acc;
    __syncthreads();
    if (threadIdx.y == 0 && c < cols) {
        float r = part[0][threadIdx.x];
        for (int k = 1; k < 8; k++) r = reduce_step(op, r, part[k][threadIdx.x]);
        out[c] = r / divisor;
    }
}

// Index of the first maximum of each contiguous row; NaN counts as the maximum (the first NaN wins).
__device__ __forceinline__ void argmax_combine(float& v, int& i, float ov, int oi) {
    bool vn = v != v, on = ov != ov;
    bool take;
    if (vn || on) take = on && (!vn || oi < i);
    else take = ov > v || (ov == v && oi < i);
    if (take) { v = ov; i = oi; }
}

extern "C" __global__ void argmax_rows(const void* x, int dtype, int xoff, int rows, int len, long long* out) {
    __shared__ float sv[32];
    __shared__ int si[32];
    int row = blockIdx.x;
    if (row >= rows) return;
    long long base = xoff + (long long)row * len;
    float best = -INFINITY;
    int bi = 0x7fffffff;
    for (int i = threadIdx.x; i < len; i += blockDim.x) argmax_combine(best, bi, load_f(x, dtype, base + i), i);
    for (int o = 16; o > 0; o >>= 1) {
        float ov = __shfl_xor_sync(0xffffffffu, best, o);
        int oi = __shfl_xor_sync(0xffffffffu, bi, o);
        argmax_combine(best, bi, ov, oi);
    }
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = (blockDim.x + 31) >> 5;
    if (lane == 0) { sv[warp] = best; si[warp] = bi; }
    __syncthreads();
    if (warp == 0) {
        best = lane < warps ? sv[lane] : -INFINITY;
        bi = lane < warps ? si[lane] : 0x7fffffff;
        for (int o = 16; o > 0; o >>= 1) {
            float ov = __shfl_xor_sync(0xffffffffu, best, o);
            int oi = __shfl_xor_sync(0xffffffffu, bi, o);
            argmax_combine(best, bi, ov, oi);
        }
        // A row of only -inf never beats the initial -inf at index MAX: the first element is the answer.
        if (lane == 0) out[row] = bi == 0x7fffffff ? 0 : bi;
    }
}
