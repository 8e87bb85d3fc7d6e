package io.jformer.tensor.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

import static io.jformer.tensor.cpu.VectorMath.LANES;
import static io.jformer.tensor.cpu.VectorMath.SPECIES;

/** Layer norm over contiguous rows of length {@code d}, forward and fused backward. */
final class LayerNormKernels {

    private LayerNormKernels() {
    }

    /** Normalises {@code rows} rows; weight and bias (length d) may be null. Writes y, mean and rstd. */
    static void forward(WorkerPool pool, float[] x, int xOff, float[] w, int wOff, float[] b, int bOff, int rows,
                        int d, float eps, float[] y, float[] mean, float[] rstd) {
        pool.parallelFor(rows, Math.max(1, 2048 / Math.max(1, d)), (start, end) -> {
            for (int r = start; r < end; r++) {
                int xo = xOff + r * d;
                int yo = r * d;
                float mu = VectorMath.sum(x, xo, d) / d;
                FloatVector vmu = FloatVector.broadcast(SPECIES, mu);
                // Two passes (mean, then centred squares) avoid the cancellation of E[x²] - E[x]².
                FloatVector acc = FloatVector.zero(SPECIES);
                for (int i = 0; i < d; i += LANES) {
                    VectorMask<Float> m = SPECIES.indexInRange(i, d);
                    FloatVector c = FloatVector.fromArray(SPECIES, x, xo + i, m).sub(vmu);
                    acc = acc.add(c.mul(c), m); // masked: lanes past the row would add mu²
                }
                float var = VectorMath.sumLanes(acc) / d;
                float rs = (float) (1.0 / Math.sqrt(var + eps));
                mean[r] = mu;
                rstd[r] = rs;
                for (int i = 0; i < d; i += LANES) {
                    VectorMask<Float> m = SPECIES.indexInRange(i, d);
                    FloatVector v = FloatVector.fromArray(SPECIES, x, xo + i, m).sub(vmu).mul(rs);
                    if (w != null) {
                        v = v.mul(FloatVector.fromArray(SPECIES, w, wOff + i, m));
                    }
                    if (b != null) {
                        v = v.add(FloatVector.fromArray(SPECIES, b, bOff + i, m));
                    }
                    v.intoArray(y, yo + i, m);
                }
            }
        });
    }

    /**
     * Fused backward: {@code dx = rstd * (g - mean(g) - x̂ * mean(g * x̂))} with {@code g = dy * w}, and the
     * column sums {@code dw = Σ dy * x̂}, {@code db = Σ dy}. Each thread sums its own rows into a private
     * buffer; buffers are added in thread order, so results repeat exactly for a fixed thread count.
     */
    static void backward(WorkerPool pool, float[] dy, int dyOff, float[] x, int xOff, float[] w, int wOff,
                         float[] mean, float[] rstd, int rows, int d, float[] dx, float[] dw, float[] db) {
        int chunks = pool.chunks(rows, Math.max(1, 2048 / Math.max(1, d)));
        float[][] partW = new float[Math.max(1, chunks)][d];
        float[][] partB = new float[Math.max(1, chunks)][d];
        pool.parallelChunks(chunks, c -> {
            int start = WorkerPool.chunkStart(rows, chunks, c);
            int end = WorkerPool.chunkStart(rows, chunks, c + 1);
            float[] pw = partW[c];
            float[] pb = partB[c];
            float[] xhat = new float[d];
            float[] g = new float[d];
            for (int r = start; r < end; r++) {
                int xo = xOff + r * d;
                int go = dyOff + r * d;
                float mu = mean[r];
                float rs = rstd[r];
                float sumG = 0f;
                float sumGx = 0f;
                for (int i = 0; i < d; i++) {
                    float xh = (x[xo + i] - mu) * rs;
                    float gi = w == null ? dy[go + i] : dy[go + i] * w[wOff + i];
                    xhat[i] = xh;
                    g[i] = gi;
                    sumG += gi;
                    sumGx += gi * xh;
                    pw[i] += dy[go + i] * xh;
                    pb[i] += dy[go + i];
                }
                float meanG = sumG / d;
                float meanGx = sumGx / d;
                int o = r * d;
                for (int i = 0; i < d; i++) {
                    dx[o + i] = rs * (g[i] - meanG - xhat[i] * meanGx);
                }
            }
        });
        for (int c = 0; c < partW.length; c++) {
            VectorMath.addInPlace(dw, 0, partW[c], 0, d);
            VectorMath.addInPlace(db, 0, partB[c], 0, d);
        }
    }
}
