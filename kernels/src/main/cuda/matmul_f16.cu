// fp16 tensor-core matrix product: C[b] = act(A[b] · B[b] + bias), fp16 inputs, fp32 accumulation, with
// mma.sync.aligned.m16n8k16 through inline PTX. A and B may have any strides in their matrix dimensions
// (so either may be a transposed view) and per-batch element offsets; C is contiguous [batch, M, N], F32 or F16.
//
// Block tile BM x 128 (BM 128, or 64 for products too small to fill the GPU's SMs with 128-row tiles: BERT's
// 2048 x 768 outputs make 96 such tiles for 132 SMs), k-step 32, 8 warps as 2 (M) x 4 (N), each warp
// (BM/2) x 32 = (BM/32) x 4 mma tiles. Shared tiles
// hold A as [m][k] and B as [n][k] (k contiguous), so each mma fragment register is one 32-bit shared load;
// rows are padded to 40 halves, which puts the 8 rows x 4 lanes of a fragment load in 32 distinct banks.
// The next k-tile is loaded into registers while the current one is multiplied.
#include "common.cuh"

#define BN 128
#define BK 32
#define PAD 40

// Loads 16 consecutive k (from k0 + kc) of row/column `r` of an operand into registers: 16-byte vector loads
// when the k stride is 1 and the addresses are aligned (host-checked `vec`), else element by element with
// zero padding past the edges.
__device__ __forceinline__ void load_strip(const __half* p, int rows, int K, int r, int k0, int kc, int sr, int sk,
                                           int vec, uint4 (&reg)[2]) {
    int k = k0 + kc;
    if (vec && r < rows && k + 16 <= K) {
        const uint4* q = (const uint4*)(p + (long long)r * sr + k);
        reg[0] = q[0];
        reg[1] = q[1];
        return;
    }
    unsigned short h[16];
#pragma unroll
    for (int e = 0; e < 16; e++) {
        h[e] = (r < rows && k + e < K) ? __half_as_ushort(p[(long long)r * sr + (long long)(k + e) * sk]) : (unsigned short)0;
    }
    unsigned int* w = (unsigned int*)&reg[0];
#pragma unroll
    for (int e = 0; e < 8; e++) w[e] = (unsigned int)h[2 * e] | ((unsigned int)h[2 * e + 1] << 16);
}

__device__ __forceinline__ void mma16816(float (&c)[4], unsigned a0, unsigned a1, unsigned a2, unsigned a3,
                                         unsigned b0, unsigned b1) {
    asm volatile(
        "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
        : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
        : "r"(a0), "r"(a1), "r"(a2), "r"(a3), "r"(b0), "r"(b1));
}

// Bias and activation for one output element; kept out of line so the 64 unrolled epilogue stores do not
// each inline erf/tanh (which made the PTX megabytes long).
__device__ __noinline__ float epilogue(float v, const float* bias, int col, int act) {
    if (bias) v += bias[col];
    if (act == 1) v = gelu_erf(v);
    else if (act == 2) v = gelu_tanh(v);
    return v;
}

// act: 0 none, 1 GELU (erf), 2 GELU (tanh). bias: F32 [N] or null.
template <int BM>
__device__ __forceinline__ void hgemm_tile(
        int M, int N, int K, const __half* A, const int* aOffs, int sam, int sak, int aVec, const __half* B,
        const int* bOffs, int sbk, int sbn, int bVec, const float* bias, int act, void* C, int cdtype) {
    constexpr int MI = BM / 32;                 // mma tiles per warp along M
    __shared__ __align__(16) __half As[BM][PAD];
    __shared__ __align__(16) __half Bs[BN][PAD];
    int batch = blockIdx.z;
    int m0 = blockIdx.y * BM, n0 = blockIdx.x * BN;
    const __half* a = A + aOffs[batch] + (long long)m0 * sam;
    const __half* b = B + bOffs[batch] + (long long)n0 * sbn;
    int tid = threadIdx.x, warp = tid >> 5, lane = tid & 31;
    int wm = warp >> 2, wn = warp & 3;          // warp position: 2 x 4
    int g = lane >> 2, t4 = lane & 3;           // mma fragment coordinates
    int lr = tid >> 1, lk = (tid & 1) * 16;     // this thread's strip of the tile loads (A: only rows < BM)
    bool loadsA = lr < BM;
    float acc[MI][4][4] = {};
    uint4 ra[2], rb[2];
    if (loadsA) load_strip(a, M - m0, K, lr, 0, lk, sam, sak, aVec, ra);
    load_strip(b, N - n0, K, lr, 0, lk, sbn, sbk, bVec, rb);
    for (int k0 = 0; k0 < K; k0 += BK) {
        if (loadsA) {
            *(uint4*)&As[lr][lk] = ra[0];
            *(uint4*)&As[lr][lk + 8] = ra[1];
        }
        *(uint4*)&Bs[lr][lk] = rb[0];
        *(uint4*)&Bs[lr][lk + 8] = rb[1];
        __syncthreads();
        if (k0 + BK < K) {
            if (loadsA) load_strip(a, M - m0, K, lr, k0 + BK, lk, sam, sak, aVec, ra);
            load_strip(b, N - n0, K, lr, k0 + BK, lk, sbn, sbk, bVec, rb);
        }
#pragma unroll
        for (int kk = 0; kk < BK; kk += 16) {
            unsigned af[MI][4], bf[4][2];
#pragma unroll
            for (int mi = 0; mi < MI; mi++) {
                int r = wm * (BM / 2) + mi * 16 + g;
                af[mi][0] = *(const unsigned*)&As[r][kk + t4 * 2];
                af[mi][1] = *(const unsigned*)&As[r + 8][kk + t4 * 2];
                af[mi][2] = *(const unsigned*)&As[r][kk + t4 * 2 + 8];
                af[mi][3] = *(const unsigned*)&As[r + 8][kk + t4 * 2 + 8];
            }
#pragma unroll
            for (int ni = 0; ni < 4; ni++) {
                int cidx = wn * 32 + ni * 8 + g;
                bf[ni][0] = *(const unsigned*)&Bs[cidx][kk + t4 * 2];
                bf[ni][1] = *(const unsigned*)&Bs[cidx][kk + t4 * 2 + 8];
            }
#pragma unroll
            for (int mi = 0; mi < MI; mi++)
#pragma unroll
                for (int ni = 0; ni < 4; ni++)
                    mma16816(acc[mi][ni], af[mi][0], af[mi][1], af[mi][2], af[mi][3], bf[ni][0], bf[ni][1]);
        }
        __syncthreads();
    }
    long long cb = (long long)batch * M * N;
#pragma unroll
    for (int mi = 0; mi < MI; mi++) {
#pragma unroll
        for (int ni = 0; ni < 4; ni++) {
#pragma unroll
            for (int h = 0; h < 4; h++) {
                int r = m0 + wm * (BM / 2) + mi * 16 + g + (h >= 2 ? 8 : 0);
                int col = n0 + wn * 32 + ni * 8 + t4 * 2 + (h & 1);
                if (r < M && col < N) {
                    float v = acc[mi][ni][h];
                    if (bias || act) v = epilogue(v, bias, col, act);
                    long long o = cb + (long long)r * N + col;
                    if (cdtype == DT_F16) ((__half*)C)[o] = __float2half_rn(v);
                    else ((float*)C)[o] = v;
                }
            }
        }
    }
}

extern "C" __global__ void __launch_bounds__(256) hgemm_mma(
        int M, int N, int K, const __half* A, const int* aOffs, int sam, int sak, int aVec, const __half* B,
        const int* bOffs, int sbk, int sbn, int bVec, const float* bias, int act, void* C, int cdtype) {
    hgemm_tile<128>(M, N, K, A, aOffs, sam, sak, aVec, B, bOffs, sbk, sbn, bVec, bias, act, C, cdtype);
}

extern "C" __global__ void __launch_bounds__(256) hgemm_mma_m64(
        int M, int N, int K, const __half* A, const int* aOffs, int sam, int sak, int aVec, const __half* B,
        const int* bOffs, int sbk, int sbn, int bVec, const float* bias, int act, void* C, int cdtype) {
    hgemm_tile<64>(M, N, K, A, aOffs, sam, sak, aVec, B, bOffs, sbk, sbn, bVec, bias, act, C, cdtype);
}
