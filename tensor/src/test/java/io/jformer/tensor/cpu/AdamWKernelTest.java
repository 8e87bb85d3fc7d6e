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

    private static double[] toDouble(Tensor t) {
        float[] f = t.toFloatArray();
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }
}
