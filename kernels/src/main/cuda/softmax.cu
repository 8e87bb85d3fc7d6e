// (Log-)softmax of scale*x + mask over rows, and its backward pass. One block per row; fp32 math whatever
// the input dtype. Operands (RowLayout): forward 0 x, 1 mask (optional), 2 output (contiguous rows);
// backward 0 y, 1 dy, 2 dx.
#include "common.cuh"

__device__ __forceinline__ float sm_input(const RowLayout& L, const void* x, const void* mask, long long bx,
                                          long long bm, int i, float scale) {
    float t = load_f(x, L.dtype[0], bx + (long long)i * L.rowStride[0]) * scale;
    return mask ? t + load_f(mask, L.dtype[1], bm + (long long)i * L.rowStride[1]) : t;
}

extern "C" __global__ void softmax_fwd(RowLayout L, int rows, int len, float scale, int logMode, const void* x,
                                       const void* mask, void* out) {
    __shared__ float scratch[32];
    int row = blockIdx.x;
    if (row >= rows) return;
    long long bx = row_base(L, 0, row);
    long long bm = mask ? row_base(L, 1, row) : 0;
    long long bo = (long long)row * len;
    float mx = -INFINITY;
    for (int i = threadIdx.x; i < len; i += blockDim.x) mx = max_nan(mx, sm_input(L, x, mask, bx, bm, i, scale));
    mx = block_max(mx, scratch);
    if (mx == -INFINITY) {
        // Every position masked out: zeros (softmax) keep padding from turning a batch into NaN.
        for (int i = threadIdx.x; i < len; i += blockDim.x) store_f(out, L.dtype[2], bo + i, logMode ? -INFINITY : 0.f);
        return;
    }
    float sum = 0.f;
    for (int i = threadIdx.x; i < len; i += blockDim.x) sum += expf(sm_input(L, x, mask, bx, bm, i, scale) - mx);
    sum = block_sum(sum, scratch);
    if (logMode) {
        float shift = mx + logf(sum);
        for (int i = threadIdx.x; i < len; i += blockDim.x)
            store_f(out, L.dtype[2], bo + i, sm_input(L, x, mask, bx, bm, i, scale) - shift);
    } else {
        float inv = 1.f / sum;
        for (int i = threadIdx.x; i < len; i += blockDim.x)
            store_f(out, L.dtype[2], bo + i, expf(sm_input(L, x, mask, bx, bm, i, scale) - mx) * inv);
    }
}

// softmax: dx = scale * y * (dy - <dy, y>);  log-softmax: dx = scale * (dy - exp(y) * sum(dy)).
extern "C" __global__ void softmax_bwd(RowLayout L, int rows, int len, float scale, int logMode, const void* y,
                                       const void* dy, float* dx) {
    __shared__ float scratch[32];
    int row = blockIdx.x;
    if (row >= rows) return;
    long long by = row_base(L, 0, row);
    long long bg = row_base(L, 1, row);
    long long bo = (long long)row * len;
    float acc = 0.f;
    for (int i = threadIdx.x; i < len; i += blockDim.x) {
        float g = load_f(dy, L.dtype[1], bg + (long long)i * L.rowStride[1]);
        acc += logMode ? g : g * load_f(y, L.dtype[0], by + (long long)i * L.rowStride[0]);
    }
    acc = block_sum(acc, scratch);
    for (int i = threadIdx.x; i < len; i += blockDim.x) {
        float g = load_f(dy, L.dtype[1], bg + (long long)i * L.rowStride[1]);
        float yi = load_f(y, L.dtype[0], by + (long long)i * L.rowStride[0]);
        dx[bo + i] = logMode ? scale * (g - expf(yi) * acc) : scale * yi * (g - acc);
    }
}
