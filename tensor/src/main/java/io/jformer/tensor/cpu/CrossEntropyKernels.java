package io.jformer.tensor.cpu;

import io.jformer.tensor.Reduction;

/** Fused log-softmax + negative log-likelihood over contiguous {@code [n, c]} logits. */
final class CrossEntropyKernels {

    private CrossEntropyKernels() {
    }

    /** Per-row loss (0 for ignored rows) and log-sum-exp. Targets are validated by the caller. */
    static void forward(WorkerPool pool, float[] logits, int n, int c, long[] targets, int tOff, int tStride,
                        int ignoreIndex, float[] loss, float[] lse) {
        pool.parallelFor(n, Math.max(1, 4096 / Math.max(1, c)), (start, end) -> {
            for (int i = start; i < end; i++) {
                int o = i * c;
                float max = VectorMath.max(logits, o, c);
                double sum = 0;
                for (int j = 0; j < c; j++) {
                    sum += Math.exp(logits[o + j] - max);
                }
                float l = max + (float) Math.log(sum);
                lse[i] = l;
                long t = targets[tOff + i * tStride];
                loss[i] = t == ignoreIndex ? 0f : l - logits[o + (int) t];
            }
        });
    }

    /** {@code dlogits = (softmax - onehot) * weight_i}, with weight 0 on ignored rows. */
    static void backward(WorkerPool pool, float[] logits, int n, int c, long[] targets, int tOff, int tStride,
                         int ignoreIndex, float[] lse, float[] rowWeight, float[] dlogits) {
        pool.parallelFor(n, Math.max(1, 4096 / Math.max(1, c)), (start, end) -> {
            for (int i = start; i < end; i++) {
                int o = i * c;
                long t = targets[tOff + i * tStride];
                float wgt = t == ignoreIndex ? 0f : rowWeight[i];
                for (int j = 0; j < c; j++) {
                    dlogits[o + j] = wgt * (float) Math.exp(logits[o + j] - lse[i]);
                }
                if (t != ignoreIndex) {
                    dlogits[o + (int) t] -= wgt;
                }
            }
        });
    }

    /** Number of rows whose target is not the ignore index. */
    static int counted(long[] targets, int tOff, int tStride, int n, int ignoreIndex) {
        int count = 0;
        for (int i = 0; i < n; i++) {
            if (targets[tOff + i * tStride] != ignoreIndex) {
                count++;
            }
        }
        return count;
    }

    /** The weight each row's loss carries in the reduced loss, times the upstream gradient. */
    static float[] rowWeights(Reduction reduction, float[] dLoss, int n, int counted) {
        float[] w = new float[n];
        for (int i = 0; i < n; i++) {
            w[i] = switch (reduction) {
                case MEAN -> dLoss[0] / counted;
                case SUM -> dLoss[0];
                case NONE -> dLoss[i];
            };
        }
        return w;
    }
}
