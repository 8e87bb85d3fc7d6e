// nvcc-flags: --fmad=false
// Optimizer and mixed-precision kernels on fp32 master weights. FMA contraction is off for this file so the
// AdamW update rounds exactly like the CPU kernel (io.jformer.tensor.cpu.OptimizerKernels), operation for
// operation.
#include "common.cuh"

extern "C" __global__ void adamw_step(float* p, int pOff, const float* g, int gOff, float* m, int mOff, float* v,
                                      int vOff, int n, float decay, float b1, float b2, float oneMinusB1,
                                      float oneMinusB2, float bc2Sqrt, float eps, float stepSize) {
    GRID_LOOP(i, n) {
        float gi = g[gOff + i];
        float mi = m[mOff + i] * b1 + gi * oneMinusB1;
        float vi = v[vOff + i] * b2 + gi * gi * oneMinusB2;
        m[mOff + i] = mi;
        v[vOff + i] = vi;
        float denom = sqrtf(vi) / bc2Sqrt + eps;
        p[pOff + i] = p[pOff + i] * decay - stepSize * (mi / denom);
    }
}

// g *= factor in place; *foundInf = 1 if any element was inf or NaN before scaling (PyTorch's
// _amp_foreach_non_finite_check_and_unscale_). Only ever writes 1, so racing writers agree.
extern "C" __global__ void unscale_check(float* g, int off, int n, float factor, int* foundInf) {
    GRID_LOOP(i, n) {
        float x = g[off + i];
        if (!isfinite(x)) *foundInf = 1;
        g[off + i] = x * factor;
    }
}

// Partial sums of squares in double: block b of a fixed-size grid writes partial[b]. The grid size depends only
// on n, so the summation order (and the result) repeats exactly.
extern "C" __global__ void sumsq_partial(const float* g, int off, int n, double* partial) {
    __shared__ double dscratch[32];
    double s = 0.0;
    GRID_LOOP(i, n) {
        double x = g[off + i];
        s += x * x;
    }
    s = block_sum_d(s, dscratch);
    if (threadIdx.x == 0) partial[blockIdx.x] = s;
}

// One block: out[slot] = sum of partial[0, count) in a fixed order.
extern "C" __global__ void sum_partials(const double* partial, int count, double* out, int slot) {
    __shared__ double dscratch[32];
    double s = 0.0;
    for (int i = threadIdx.x; i < count; i += blockDim.x) s += partial[i];
    s = block_sum_d(s, dscratch);
    if (threadIdx.x == 0) out[slot] = s;
}
