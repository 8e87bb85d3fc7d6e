// Gathers and deterministic scatter-adds. Indices are validated and, for scatter-adds, grouped on the host
// (a stable counting sort), so each output element is owned by one thread that adds its sources in index
// order: no atomics, results repeat exactly and match the CPU's order.
#include "common.cuh"

// dst[o, i, j] = src[o, idx[i], j] for a contiguous src viewed as [outer, srcDim, inner]; any element size.
extern "C" __global__ void gather_rows(const void* src, int elemBytes, int srcOff, int outer, int srcDim, int inner,
                                       const long long* idx, int nIdx, void* dst) {
    long long n = (long long)outer * nIdx * inner;
    GRID_LOOP(e, n) {
        long long j = e % inner;
        long long t = e / inner;
        long long i = t % nIdx;
        long long o = t / nIdx;
        long long s = srcOff + (o * srcDim + idx[i]) * inner + j;
        if (elemBytes == 4) ((int*)dst)[e] = ((const int*)src)[s];
        else if (elemBytes == 8) ((long long*)dst)[e] = ((const long long*)src)[s];
        else ((unsigned short*)dst)[e] = ((const unsigned short*)src)[s];
    }
}

// out[o, target[s], j] += sum over p in [segStart[s], segStart[s+1]) of src[o, pos[p], j]; out is zeroed first.
// src is contiguous [outer, nSrc, inner] of any float dtype; out is F32 [outer, outDim, inner].
extern "C" __global__ void segment_sum(const void* src, int sdtype, int srcOff, int outer, int nSrc, int inner,
                                       const int* segStart, const int* pos, const int* target, int nSeg, int outDim,
                                       float* out) {
    long long n = (long long)outer * nSeg * inner;
    GRID_LOOP(e, n) {
        long long j = e % inner;
        long long t = e / inner;
        int s = (int)(t % nSeg);
        long long o = t / nSeg;
        float acc = 0.f;
        for (int p = segStart[s]; p < segStart[s + 1]; p++)
            acc += load_f(src, sdtype, srcOff + (o * nSrc + pos[p]) * inner + j);
        out[(o * outDim + target[s]) * inner + j] = acc;
    }
}
