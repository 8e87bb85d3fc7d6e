package io.jformer.tensor.cpu;

import io.jformer.tensor.OpShapes;
import io.jformer.tensor.Tensor;

/**
 * Scaled dot-product attention without a score tensor. Each task takes one product of the batch (one head of
 * one sequence) and a block of {@link #ROWS} query rows: it multiplies them by Kᵀ into a scratch block, runs
 * the softmax row kernel over that block in place and multiplies it by V straight into the output. The block
 * stays in cache between the three steps, where the composed path writes the {@code [T, S]} scores and
 * probabilities of every head to memory and reads them back (2 x 12.6 MB per MiniLM layer at 16 x 128).
 *
 * <p>The result is bit-identical to matmul, softmax, matmul: {@link Sgemm} sums each element the same way
 * wherever its tile falls and whichever thread computes it, and the softmax is the same row kernel on the
 * same row.
 */
final class FusedAttention {

    /** Query rows per task; a multiple of the GEMM tile height. 64 x S scores are 32 KiB at S = 128. */
    static final int ROWS = 8 * SgemmKernel.MR;

    /** As in Sgemm: a task smaller than this spends a noticeable part of its time being handed out. */
    private static final long MIN_FMAS_PER_TASK = 1L << 20;

    private static final ThreadScratch SCORES = new ThreadScratch();

    private FusedAttention() {
    }

    static Tensor forward(WorkerPool pool, Tensor q, Tensor k, Tensor v, double scale, Tensor mask) {
        String op = "scaled_dot_product_attention";
        CpuBackend.requireF32(op, q, k, v);
        if (mask != null) {
            CpuBackend.requireF32(op + " mask", mask);
        }
        OpShapes.Attention p = OpShapes.attention(q, k, v, mask);
        Tensor out = CpuBackend.outputF32(p.outputShape());
        int t = p.queries();
        int s = p.keys();
        int d = p.headSize();
        int dv = p.valueSize();
        if (out.numel() == 0) {
            return out;
        }
        float[] qa = CpuBackend.floats(q);
        float[] ka = CpuBackend.floats(k);
        float[] va = CpuBackend.floats(v);
        float[] oa = CpuBackend.floats(out);
        int[] qOffs = OpShapes.batchOffsets(q, p.batch());
        int[] kOffs = OpShapes.batchOffsets(k, p.batch());
        int[] vOffs = OpShapes.batchOffsets(v, p.batch());
        Tensor m = p.mask();
        float[] ma = m == null ? null : CpuBackend.floats(m);
        int[] mOffs = m == null ? null : OpShapes.batchOffsets(m, p.batch());
        int maskRowStride = m == null ? 0 : m.stride(-2);
        int maskStride = m == null ? 0 : m.stride(-1);
        int qRs = q.stride(-2);
        int qCs = q.stride(-1);
        int blocks = (t + ROWS - 1) / ROWS;
        long fmasPerTask = (long) Math.min(ROWS, t) * s * ((long) d + dv);
        int tasks = p.batch().numel() * blocks;
        int grain = (int) Math.min(tasks, Math.max(1, MIN_FMAS_PER_TASK / Math.max(1, fmasPerTask)));
        pool.parallelFor(tasks, grain, (start, end) -> {
            float[] scores = SCORES.atLeast(Math.min(ROWS, t) * s);
            int[] off = new int[3];
            int[] strides = {1, 1, maskStride};
            for (int task = start; task < end; task++) {
                int b = task / blocks;
                int r0 = task % blocks * ROWS;
                int rows = Math.min(ROWS, t - r0);
                // scores = Q[r0:r0+rows] · Kᵀ: Kᵀ is K read with its strides swapped.
                Sgemm.gemmOnCallingThread(rows, s, d, qa, qOffs[b] + r0 * qRs, qRs, qCs,
                        ka, kOffs[b], k.stride(-1), k.stride(-2), scores, 0, s, false);
                for (int i = 0; i < rows; i++) {
                    off[0] = i * s;
                    off[1] = i * s;
                    off[2] = m == null ? 0 : mOffs[b] + (r0 + i) * maskRowStride;
                    SoftmaxKernels.forwardRow(scores, scores, ma, scale, false, off, s, strides);
                }
                Sgemm.gemmOnCallingThread(rows, dv, s, scores, 0, s, 1, va, vOffs[b], v.stride(-2), v.stride(-1),
                        oa, (b * t + r0) * dv, dv, false);
            }
        });
        return out;
    }
}
