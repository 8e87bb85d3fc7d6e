package io.jformer.tensor.cpu;

import io.jformer.tensor.AdamWStep;
import io.jformer.tensor.Generator;
import io.jformer.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The fused AdamW kernel against the update written out in double precision. Three steps with weight decay,
 * so bias correction and decay both matter; 1e-6 (relative to values of order one) is a few float ulps.
 */
class AdamWKernelTest {

    @Test
    void fusedUpdateMatchesTheDefinitionOverSeveralSteps() {
        int n = 1037; // not a multiple of any vector or thread split
        Generator gen = new Generator(3);
        Tensor p = Tensor.randn(gen, n);
        Tensor m = Tensor.zeros(n);
        Tensor v = Tensor.zeros(n);
        double[] pd = toDouble(p);
        double[] md = new double[n];
        double[] vd = new double[n];
        try (CpuBackend cpu = new CpuBackend(2)) {
            for (int step = 1; step <= 3; step++) {
                Tensor g = Tensor.randn(gen, n);
                AdamWStep h = new AdamWStep(1e-2, 0.9, 0.999, 1e-8, 0.01, step);
                cpu.adamwStep(p, g, m, v, h);
                float[] gf = g.toFloatArray();
                for (int i = 0; i < n; i++) {
                    md[i] = 0.9 * md[i] + 0.1 * gf[i];
                    vd[i] = 0.999 * vd[i] + 0.001 * gf[i] * gf[i];
                    double mhat = md[i] / (1 - Math.pow(0.9, step));
                    double vhat = vd[i] / (1 - Math.pow(0.999, step));
                    pd[i] = pd[i] * (1 - 1e-2 * 0.01) - 1e-2 * mhat / (Math.sqrt(vhat) + 1e-8);
                }
            }
        }
        float[] pf = p.toFloatArray();
        float[] mf = m.toFloatArray();
        for (int i = 0; i < n; i++) {
            assertEquals(pd[i], pf[i], 1e-6 * Math.max(1, Math.abs(pd[i])), "parameter " + i);
            // m is a sum of ±0.1·g terms of order 0.1 and may cancel: bound its error absolutely.
            assertEquals(md[i], mf[i], 1e-6, "first moment " + i);
        }
    }

    /**
     * The kernel runs whole vectors and a scalar tail; both must round exactly like PyTorch's fp32 update written
     * out in float, in its order (so a vector lane and a tail element never differ, and neither uses an FMA).
     */
    @Test
    void vectorLanesAndTailRoundLikeTheFloatDefinition() {
        int n = 16 * 37 + 5;
        Generator gen = new Generator(8);
        Tensor p = Tensor.randn(gen, n);
        Tensor g = Tensor.randn(gen, n).mul(3);
        Tensor m = Tensor.randn(gen, n).mul(0.1);
        Tensor v = Tensor.rand(gen, n).mul(0.01);
        float[] pf = p.toFloatArray();
        float[] gf = g.toFloatArray();
        float[] mf = m.toFloatArray();
        float[] vf = v.toFloatArray();
        AdamWStep h = new AdamWStep(2e-5, 0.9, 0.999, 1e-8, 0.01, 7);
        try (CpuBackend cpu = new CpuBackend(2)) {
            cpu.adamwStep(p, g, m, v, h);
        }
        float b1 = 0.9f;
        float b2 = 0.999f;
        float decay = (float) (1 - 2e-5 * 0.01);
        float bc2Sqrt = (float) Math.sqrt(1 - Math.pow(0.999, 7));
        float stepSize = (float) (2e-5 / (1 - Math.pow(0.9, 7)));
        float[] pOut = p.toFloatArray();
        float[] mOut = m.toFloatArray();
        float[] vOut = v.toFloatArray();
        for (int i = 0; i < n; i++) {
            float mi = mf[i] * b1 + gf[i] * (float) (1 - 0.9);
            float vi = vf[i] * b2 + gf[i] * gf[i] * (float) (1 - 0.999);
            float denom = (float) Math.sqrt(vi) / bc2Sqrt + 1e-8f;
            float pi = pf[i] * decay - stepSize * (mi / denom);
            assertEquals(Float.floatToRawIntBits(mi), Float.floatToRawIntBits(mOut[i]), "first moment " + i);
            assertEquals(Float.floatToRawIntBits(vi), Float.floatToRawIntBits(vOut[i]), "second moment " + i);
            assertEquals(Float.floatToRawIntBits(pi), Float.floatToRawIntBits(pOut[i]), "parameter " + i);
        }
    }

    private static double[] toDouble(Tensor t) {
        float[] f = t.toFloatArray();
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }
}
