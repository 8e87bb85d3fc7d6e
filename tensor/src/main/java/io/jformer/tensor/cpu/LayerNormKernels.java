package io.jformer.tensor.cpu;

import jdk.incubator.vector.FloatVector;

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
            float[] lanes = new float[LANES];
            for (int r = start; r < end; r++) {
                forwardRow(x, xOff + r * d, w, wOff, b, bOff, d, eps, y, r * d, mean, rstd, r, lanes);
            }
        });
    }

    /*
     * The row loops run whole vectors unmasked and finish with a scalar tail that rounds the same way: on JDK 17
     * a mask made inside a loop is an object, and it made these kernels several times slower. Each range of rows
     * brings its own array for the lane sums: VectorMath.scratch()'s thread-local lookup per row took 0.7% of a
     * two-thread bert-base training step's JFR samples, and layerNormForward ran 0.71 -> 0.61 ms without it.
     */

    private static void forwardRow(float[] x, int xo, float[] w, int wOff, float[] b, int bOff, int d, float eps,
                                   float[] y, int yo, float[] mean, float[] rstd, int r, float[] lanes) {
        int full = SPECIES.loopBound(d);
        float mu = VectorMath.sum(x, xo, d) / d;
        FloatVector vmu = FloatVector.broadcast(SPECIES, mu);
        // Two passes (mean, then centred squares) avoid the cancellation of E[x²] - E[x]².
        FloatVector acc = FloatVector.zero(SPECIES);
        int i = 0;
        for (; i < full; i += LANES) {
            FloatVector c = FloatVector.fromArray(SPECIES, x, xo + i).sub(vmu);
            acc = c.fma(c, acc);
        }
        acc.intoArray(lanes, 0);
        float sq = VectorMath.sumLanes(lanes);
        for (; i < d; i++) {
            float c = x[xo + i] - mu;
            sq = Math.fma(c, c, sq);
        }
        float rs = (float) (1.0 / Math.sqrt(sq / d + eps));
        mean[r] = mu;
        rstd[r] = rs;
        i = 0;
        for (; i < full; i += LANES) {
            FloatVector v = FloatVector.fromArray(SPECIES, x, xo + i).sub(vmu).mul(rs);
            if (w != null) {
                v = v.mul(FloatVector.fromArray(SPECIES, w, wOff + i));
            }
            if (b != null) {
                v = v.add(FloatVector.fromArray(SPECIES, b, bOff + i));
            }
            v.intoArray(y, yo + i);
        }
        for (; i < d; i++) {
            float v = (x[xo + i] - mu) * rs;
            if (w != null) {
                v *= w[wOff + i];
            }
            if (b != null) {
                v += b[bOff + i];
            }
            y[yo + i] = v;
        }
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
            float[] xhat = new float[d];
            float[] g = new float[d];
            float[] lanes = new float[LANES];
            for (int r = start; r < end; r++) {
                backwardRow(dy, dyOff + r * d, x, xOff + r * d, w, wOff, mean[r], rstd[r], d, dx, r * d,
                        partW[c], partB[c], xhat, g, lanes);
            }
        });
        for (int c = 0; c < partW.length; c++) {
            VectorMath.addInPlace(dw, 0, partW[c], 0, d);
            VectorMath.addInPlace(db, 0, partB[c], 0, d);
        }
    }

    /** One row of {@link #backward}; {@code xhat} and {@code g} are scratch rows, {@code lanes} one vector's. */
    private static void backwardRow(float[] dy, int go, float[] x, int xo, float[] w, int wOff, float mu, float rs,
                                    int d, float[] dx, int o, float[] pw, float[] pb, float[] xhat, float[] g,
                                    float[] lanes) {
        int full = SPECIES.loopBound(d);
        FloatVector vmu = FloatVector.broadcast(SPECIES, mu);
        FloatVector accG = FloatVector.zero(SPECIES);
        FloatVector accGx = FloatVector.zero(SPECIES);
        int i = 0;
        for (; i < full; i += LANES) {
            FloatVector xh = FloatVector.fromArray(SPECIES, x, xo + i).sub(vmu).mul(rs);
            FloatVector dyv = FloatVector.fromArray(SPECIES, dy, go + i);
            FloatVector gi = w == null ? dyv : dyv.mul(FloatVector.fromArray(SPECIES, w, wOff + i));
            xh.intoArray(xhat, i);
            gi.intoArray(g, i);
            accG = accG.add(gi);
            accGx = gi.fma(xh, accGx);
            dyv.fma(xh, FloatVector.fromArray(SPECIES, pw, i)).intoArray(pw, i);
            dyv.add(FloatVector.fromArray(SPECIES, pb, i)).intoArray(pb, i);
        }
        accG.intoArray(lanes, 0);
        float sumG = VectorMath.sumLanes(lanes);
        accGx.intoArray(lanes, 0);
        float sumGx = VectorMath.sumLanes(lanes);
        for (; i < d; i++) {
            float xh = (x[xo + i] - mu) * rs;
            float gi = w == null ? dy[go + i] : dy[go + i] * w[wOff + i];
            xhat[i] = xh;
            g[i] = gi;
            sumG += gi;
            sumGx = Math.fma(gi, xh, sumGx);
            pw[i] = Math.fma(dy[go + i], xh, pw[i]);
            pb[i] += dy[go + i];
        }
        float meanG = sumG / d;
        float meanGx = sumGx / d;
        FloatVector vMeanG = FloatVector.broadcast(SPECIES, meanG);
        FloatVector vMeanGx = FloatVector.broadcast(SPECIES, meanGx);
        i = 0;
        for (; i < full; i += LANES) {
            FloatVector xh = FloatVector.fromArray(SPECIES, xhat, i);
            FloatVector.fromArray(SPECIES, g, i).sub(vMeanG).sub(xh.mul(vMeanGx)).mul(rs).intoArray(dx, o + i);
        }
        for (; i < d; i++) {
            dx[o + i] = rs * (g[i] - meanG - xhat[i] * meanGx);
        }
    }
}
