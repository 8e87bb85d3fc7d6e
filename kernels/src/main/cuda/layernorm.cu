// Layer norm over contiguous rows of length d: forward with per-row statistics, backward for dx per row and
// dweight/dbias as deterministic column sums (per-chunk partials, then a fixed-order sum of the partials).
#include "common.cuh"

// weight and bias are contiguous F32 (or null). Two passes (mean, then centred squares) avoid E[x^2]-E[x]^2
// cancellation, as the CPU kernel does.
extern "C" __global__ void layernorm_fwd(const void* x, int xdtype, int xoff, const float* w, const float* b, int rows,
                                         int d, float eps, void* y, int ydtype, float* mean, float* rstd) {
    __shared__ float scratch[32];
    int row = blockIdx.x;
    if (row >= rows) return;
    long long base = xoff + (long long)row * d;
    float s = 0.f;
    for (int i = threadIdx.x; i < d; i += blockDim.x) s += load_f(x, xdtype, base + i);
    float mu = block_sum(s, scratch) / d;
    float q = 0.f;
    for (int i = threadIdx.x; i < d; i += blockDim.x) {
        float c = load_f(x, xdtype, base + i) - mu;
        q += c * c;
    }
    float var = block_sum(q, scratch) / d;
    float rs = (float)(1.0 / sqrt((double)(var + eps)));  // the CPU's rounding: float sum, double sqrt
    if (threadIdx.x == 0) { mean[row] = mu; rstd[row] = rs; }
    long long yo = (long long)row * d;
    for (int i = threadIdx.x; i < d; i += blockDim.x) {
        float v = (load_f(x, xdtype, base + i) - mu) * rs;
        if (w) v *= w[i];
        if (b) v += b[i];
        store_f(y, ydtype, yo + i, v);
    }
}

// dx = rstd * (g - mean(g) - xhat * mean(g * xhat)), g = dy * w.
extern "C" __global__ void layernorm_bwd_dx(const void* dy, int gdtype, int gof, const void* x, int xdtype, int xoff,
                                            const float* w, const float* mean, const float* rstd, int rows, int d,
                                            float* dx) {
    __shared__ float scratch[32];
    int row = blockIdx.x;
    if (row >= rows) return;
    long long xb = xoff + (long long)row * d, gb = gof + (long long)row * d;
    float mu = mean[row], rs = rstd[row];
    float sg = 0.f, sgx = 0.f;
    for (int i = threadIdx.x; i < d; i += blockDim.x) {
        float xh = (load_f(x, xdtype, xb + i) - mu) * rs;
        float g = load_f(dy, gdtype, gb + i) * (w ? w[i] : 1.f);
        sg += g;
        sgx += g * xh;
    }
    float meanG = block_sum(sg, scratch) / d;
    float meanGx = block_sum(sgx, scratch) / d;
    long long o = (long long)row * d;
    for (int i = threadIdx.x; i < d; i += blockDim.x) {
        float xh = (load_f(x, xdtype, xb + i) - mu) * rs;
        float g = load_f(dy, gdtype, gb + i) * (w ? w[i] : 1.f);
        dx[o + i] = rs * (g - meanG - xh * meanGx);
    }
}

// Partial column sums over chunks of `chunkRows` rows: pw[chunk, col] = sum dy*xhat, pb[chunk, col] = sum dy.
// Each thread owns one column of one chunk: no atomics, fixed order.
extern "C" __global__ void layernorm_bwd_partial(const void* dy, int gdtype, int gof, const void* x, int xdtype,
                                                 int xoff, const float* mean, const float* rstd, int rows, int d,
                                                 int chunkRows, float* pw, float* pb) {
    int c = blockIdx.x * blockDim.x + threadIdx.x;
    int chunk = blockIdx.y;
    if (c >= d) return;
    int r0 = chunk * chunkRows, r1 = min(rows, r0 + chunkRows);
    float sw = 0.f, sb = 0.f;
    for (int r = r0; r < r1; r++) {
        float g = load_f(dy, gdtype, gof + (long long)r * d + c);
        float xh = (load_f(x, xdtype, xoff + (long long)r * d + c) - mean[r]) * rstd[r];
        sw += g * xh;
        sb += g;
    }
    pw[(long long)chunk * d + c] = sw;
    pb[(long long)chunk * d + c] = sb;
}
