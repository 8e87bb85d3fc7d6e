package io.jformer.tensor.cpu;

import io.jformer.tensor.AdamWStep;
import jdk.incubator.vector.FloatVector;

import static io.jformer.tensor.cpu.VectorMath.LANES;
import static io.jformer.tensor.cpu.VectorMath.SPECIES;

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
            // The same operations in the same order a vector at a time (no fused multiply-adds, and a float
            // square root rounds exactly like the scalar one through double), so every element is bit-identical
            // to the scalar tail's arithmetic.
            int i = start;
            for (int upper = end - LANES; i <= upper; i += LANES) {
                FloatVector gi = FloatVector.fromArray(SPECIES, g, gOff + i);
                FloatVector mi = FloatVector.fromArray(SPECIES, m, mOff + i).mul(b1).add(gi.mul(oneMinusB1));
                FloatVector vi = FloatVector.fromArray(SPECIES, v, vOff + i).mul(b2)
                        .add(gi.mul(gi).mul(oneMinusB2));
                mi.intoArray(m, mOff + i);
                vi.intoArray(v, vOff + i);
                FloatVector denom = vi.sqrt().div(bc2Sqrt).add(eps);
                FloatVector.fromArray(SPECIES, p, pOff + i).mul(decay).sub(mi.div(denom).mul(stepSize))
                        .intoArray(p, pOff + i);
            }
            for (; i < end; i++) {
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
