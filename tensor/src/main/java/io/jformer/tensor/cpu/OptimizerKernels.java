package io.jformer.tensor.cpu;

import io.jformer.tensor.AdamWStep;

/** Fused optimizer updates: one pass over parameter, gradient and moments instead of a chain of temporaries. */
final class OptimizerKernels {

    private OptimizerKernels() {
    }

    /**
     * AdamW in place, element by element in the operation order of PyTorch's single-tensor AdamW with fp32
     * arithmetic, so the results agree with it (and with the composed default in {@code Backend}) to rounding.
     */
    static void adamw(WorkerPool pool, float[] p, int pOff, float[] g, int gOff, float[] m, int mOff, float[] v,
                      int vOff, int n, AdamWStep h) {
        float decay = (float) (1 - h.lr() * h.weightDecay());
        float b1 = (float) h.beta1();
        float b2 = (float) h.beta2();
        float oneMinusB1 = (float) (1 - h.beta1());
        float oneMinusB2 = (float) (1 - h.beta2());
        float bc2Sqrt = (float) Math.sqrt(h.biasCorrection2());
        float eps = (float) h.eps();
        float stepSize = (float) (h.lr() / h.biasCorrection1());
        pool.parallelFor(n, 1 << 14, (start, end) -> {
            for (int i = start; i < end; i++) {
                float gi = g[gOff + i];
                float mi = m[mOff + i] * b1 + gi * oneMinusB1;
                float vi = v[vOff + i] * b2 + gi * gi * oneMinusB2;
                m[mOff + i] = mi;
                v[vOff + i] = vi;
                float denom = (float) Math.sqrt(vi) / bc2Sqrt + eps;
                p[pOff + i] = p[pOff + i] * decay - stepSize * (mi / denom);
            }
        });
    }
}
