// fp32 matrix product of our own: C[b] = A[b] · B[b] with any strides in the matrix dimensions (transposed
// views are read in place) and per-batch element offsets (broadcast batches). 64x64 tiles, k-step 16, 256
// threads, each computing a 4x4 block from shared memory. Handles any M, N, K (edges are zero-padded).
#include "common.cuh"

#define TM 64
#define TN 64
#define TK 16

extern "C" __global__ void __launch_bounds__(256) sgemm_strided(
        int M, int N, int K, const float* A, const int* aOffs, int sam, int sak, const float* B, const int* bOffs,
        int sbk, int sbn, float* C) {
    __shared__ float As[TK][TM + 4];
    __shared__ float Bs[TK][TN + 4];
    int batch = blockIdx.z;
    const float* a = A + aOffs[batch];
    const float* b = B + bOffs[batch];
    float* c = C + (long long)batch * M * N;
    int m0 = blockIdx.y * TM, n0 = blockIdx.x * TN;
    int tx = threadIdx.x & 15, ty = threadIdx.x >> 4;
    float acc[4][4] = {};
    for (int k0 = 0; k0 < K; k0 += TK) {
        // 1024 elements of each tile, 4 per thread; the fast-moving index follows whichever stride is 1.
        for (int e = 0; e < 4; e++) {
            int l = e * 256 + threadIdx.x;
            int mm, kk;
            if (sam == 1) { mm = l % TM; kk = l / TM; } else { kk = l % TK; mm = l / TK; }
            int gm = m0 + mm, gk = k0 + kk;
            As[kk][mm] = (gm < M && gk < K) ? a[(long long)gm * sam + (long long)gk * sak] : 0.f;
            int nn, kb;
            if (sbn == 1) { nn = l % TN; kb = l / TN; } else { kb = l % TK; nn = l / TK; }
            int gn = n0 + nn, gkb = k0 + kb;
            Bs[kb][nn] = (gn < N && gkb < K) ? b[(long long)gkb * sbk + (long long)gn * sbn] : 0.f;
        }
        __syncthreads();
#pragma unroll
        for (int kk = 0; kk < TK; kk++) {
            float av[4], bv[4];
#pragma unroll
            for (int i = 0; i < 4; i++) av[i] = As[kk][ty * 4 + i];
#pragma unroll
            for (int j = 0; j < 4; j++) bv[j] = Bs[kk][tx * 4 + j];
#pragma unroll
            for (int i = 0; i < 4; i++)
#pragma unroll
                for (int j = 0; j < 4; j++) acc[i][j] += av[i] * bv[j];
        }
        __syncthreads();
    }
    for (int i = 0; i < 4; i++) {
        int gm = m0 + ty * 4 + i;
        if (gm >= M) continue;
        for (int j = 0; j < 4; j++) {
            int gn = n0 + tx * 4 + j;
            if (gn < N) c[(long long)gm * N + gn] = acc[i][j];
        }
    }
}
