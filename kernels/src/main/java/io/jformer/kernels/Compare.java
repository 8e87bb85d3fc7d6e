package io.jformer.kernels;

import io.jformer.tensor.Tensor;

import java.util.Arrays;
import java.util.Locale;

/**
 * Elementwise comparison of a device result with the CPU reference: {@code |got - want| <= atol + rtol·|want|},
 * NaN only where the reference is NaN (so a poisoned, unwritten output never passes), equal infinities.
 */
final class Compare {

    private Compare() {
    }

    /** Throws {@link AssertionError} naming {@code what}, the worst element and the tolerances on a mismatch. */
    static void close(String what, Tensor want, Tensor got, double rtol, double atol) {
        if (!want.shape().equals(got.shape())) {
            throw new AssertionError(what + ": shape " + got.shape() + ", expected " + want.shape());
        }
        float[] w = want.toFloatArray();
        float[] g = got.toFloatArray();
        int worst = -1;
        double worstExcess = 0;
        for (int i = 0; i < w.length; i++) {
            float a = g[i];
            float e = w[i];
            if (Float.isNaN(e) || Float.isNaN(a)) {
                if (Float.isNaN(e) != Float.isNaN(a)) {
                    throw new AssertionError(what + ": element " + i + " is " + a + ", expected " + e);
                }
                continue;
            }
            if (Float.isInfinite(e) || Float.isInfinite(a)) {
                if (a != e) {
                    throw new AssertionError(what + ": element " + i + " is " + a + ", expected " + e);
                }
                continue;
            }
            double excess = Math.abs((double) a - e) - (atol + rtol * Math.abs(e));
            if (excess > worstExcess) {
                worstExcess = excess;
                worst = i;
            }
        }
        if (worst >= 0) {
            throw new AssertionError(String.format(Locale.ROOT,
                    "%s: element %d is %.8g, expected %.8g (rtol %.1e, atol %.1e) in shape %s", what, worst, g[worst],
                    w[worst], rtol, atol, want.shape()));
        }
    }

    /** Exact equality of I64 results. */
    static void exactLongs(String what, Tensor want, Tensor got) {
        if (!want.shape().equals(got.shape())) {
            throw new AssertionError(what + ": shape " + got.shape() + ", expected " + want.shape());
        }
        long[] w = want.toLongArray();
        long[] g = got.toLongArray();
        if (!Arrays.equals(w, g)) {
            for (int i = 0; i < w.length; i++) {
                if (w[i] != g[i]) {
                    throw new AssertionError(what + ": element " + i + " is " + g[i] + ", expected " + w[i]);
                }
            }
        }
    }
}
