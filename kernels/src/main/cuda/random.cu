// nvcc-flags: --fmad=false
// Counter-based random fill reproducing io.jformer.tensor.Generator bit for bit: SplitMix64 on
// (seed, counter + i), the same 24-bit uniforms and the same double-precision Box-Muller; Bernoulli draws from
// Generator.bernoulliBits (a SplitMix64 key per 2^32 positions, a keyed 32-bit hash of the low bits). FMA
// contraction is off for this file so the double arithmetic rounds exactly like Java's.
#include "common.cuh"

__device__ __forceinline__ unsigned long long mix_bits(unsigned long long seed, unsigned long long index) {
    unsigned long long z = seed * 0x9E3779B97F4A7C15ULL + (index + 1ULL) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

// Generator.bernoulliBits(key, low): the top 24 bits of Wellons' triple32 with the key's halves mixed in.
__device__ __forceinline__ unsigned int bernoulli_bits(unsigned long long key, unsigned int low) {
    unsigned int x = low ^ (unsigned int)key;
    x ^= x >> 17;
    x *= 0xED5AD4BBu;
    x ^= x >> 11;
    x ^= (unsigned int)(key >> 32);
    x *= 0xAC4C1B51u;
    x ^= x >> 15;
    x *= 0x31848BABu;
    x ^= x >> 14;
    return x >> 8;
}

__device__ __forceinline__ float uniform24(unsigned long long r) {
    return (float)(r >> 40) * 5.9604644775390625e-8f;  // 2^-24
}

// dist: 0 NORMAL(mean p1, std p2), 1 UNIFORM[p1, p2), 2 BERNOULLI(p1) -- io.jformer.tensor.Distribution ordinals.
extern "C" __global__ void fill_random(float* out, int offset, int n, int dist, double p1, double p2,
                                       unsigned long long seed, unsigned long long counter) {
    GRID_LOOP(i, n) {
        unsigned long long index = counter + (unsigned long long)i;
        float v;
        if (dist == 2) {
            unsigned long long key = mix_bits(seed ^ 0xD1B54A32D192ED03ULL, index >> 32);
            unsigned int threshold = (unsigned int)ceil(p1 * 16777216.0);  // Generator.bernoulliThreshold
            out[offset + i] = bernoulli_bits(key, (unsigned int)index) < threshold ? 1.f : 0.f;
            continue;
        }
        unsigned long long r = mix_bits(seed, index);
        if (dist == 0) {
            double u1 = (double)((r >> 40) + 1ULL) * 5.9604644775390625e-8;
            double u2 = (double)(r & 0xffffffULL) * 5.9604644775390625e-8;
            float z = (float)(sqrt(-2.0 * log(u1)) * cos(2.0 * 3.141592653589793 * u2));
            v = (float)(p1 + p2 * (double)z);
        } else {
            v = (float)(p1 + (p2 - p1) * (double)uniform24(r));
        }
        out[offset + i] = v;
    }
}
