// Fused cross-entropy (log-softmax + NLL) over contiguous [n, c] logits, forward and backward; sums in double
// like the CPU kernel.
#include "common.cuh"

extern "C" __global__ void ce_fwd(const void* logits, int dtype, int off, int n, int c, const long long* targets,
                                  long long ignoreIndex, float* loss, float* lse) {
    __shared__ float scratch[32];
    __shared__ double dscratch[32];
    int row = blockIdx.x;
    if (row >= n) return;
    long long base = off + (long long)row * c;
    float mx = -INFINITY;
    for (int j = threadIdx.x; j < c; j += blockDim.x) mx = max_nan(mx, load_f(logits, dtype, base + j));
    mx = block_max(mx, scratch);
    double s = 0.0;
    for (int j = threadIdx.x; j < c; j += blockDim.x) s += exp((double)(load_f(logits, dtype, base + j) - mx));
    s = block_sum_d(s, dscratch);
    if (threadIdx.x == 0) {
        float l = mx + (float)log(s);
        lse[row] = l;
        long long t = targets[row];
        loss[row] = t == ignoreIndex ? 0.f : l - load_f(logits, dtype, base + t);
    }
}

// One block: out[0] = (float)(sum of v in double, fixed order) / divisor.
extern "C" __global__ void sum_to_scalar(const float* v, int n, float divisor, float* out) {
    __shared__ double dscratch[32];
    double s = 0.0;
    for (int i = threadIdx.x; i < n; i += blockDim.x) s += v[i];
    s = block_sum_d(s, dscratch);
    if (threadIdx.x == 0) out[0] = (float)s / divisor;  // float division, as the CPU's sum / count
}

// mode (io.jformer.tensor.Reduction ordinal): 0 MEAN (weight dLoss[0] / counted), 1 SUM (dLoss[0]), 2 NONE (dLoss[i]).
extern "C" __global__ void ce_bwd(const void* logits, int dtype, int off, int n, int c, const long long* targets,
                                  long long ignoreIndex, const float* lse, const float* dLoss, int mode, int counted,
                                  float* dx) {
    long long total = (long long)n * c;
    GRID_LOOP(e, total) {
        int row = (int)(e / c);
        int j = (int)(e % c);
        long long t = targets[row];
        float w = mode == 0 ? dLoss[0] / (float)counted : (mode == 1 ? dLoss[0] : dLoss[row]);
        if (t == ignoreIndex) w = 0.f;
        float g = w * (float)exp((double)(load_f(logits, dtype, off + e) - lse[row]));
        if (j == t) g -= w;
        dx[e] = g;
    }
}
