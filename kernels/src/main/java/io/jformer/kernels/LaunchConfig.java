package io.jformer.kernels;

/**
 * Grid and block sizes of one kernel launch, with the arithmetic for the kernel shapes used here. Pure
 * arithmetic, tested without a GPU.
 */
record LaunchConfig(int gridX, int gridY, int gridZ, int blockX, int blockY, int blockZ) {

    /** Threads per block of the 1-D (grid-stride) kernels. */
    static final int THREADS = 256;
    /** Upper bound on blocks of a grid-stride kernel: enough to fill an H200 (132 SMs) many times over. */
    static final int MAX_GRID_STRIDE_BLOCKS = 132 * 64;
    /** The hardware limit on gridDim.y and gridDim.z. */
    static final int MAX_GRID_YZ = 65535;

    LaunchConfig {
        if (gridX < 1 || gridY < 1 || gridZ < 1 || blockX < 1 || blockY < 1 || blockZ < 1) {
            throw new IllegalArgumentException("empty launch " + gridX + "x" + gridY + "x" + gridZ + " blocks of "
                    + blockX + "x" + blockY + "x" + blockZ);
        }
        if (gridY > MAX_GRID_YZ || gridZ > MAX_GRID_YZ || (long) blockX * blockY * blockZ > 1024) {
            throw new IllegalArgumentException("launch " + gridX + "x" + gridY + "x" + gridZ + " blocks of " + blockX
                    + "x" + blockY + "x" + blockZ + " exceeds the device limits");
        }
    }

    /** A grid-stride launch over {@code n} elements ({@code n >= 1}). */
    static LaunchConfig elementwise(long n) {
        long blocks = Math.min(ceilDiv(n, THREADS), MAX_GRID_STRIDE_BLOCKS);
        return new LaunchConfig((int) Math.max(1, blocks), 1, 1, THREADS, 1, 1);
    }

    /** One block per row; the block is a power of two from 32 to 256 threads, no wider than the row needs. */
    static LaunchConfig perRow(int rows, int len) {
        return new LaunchConfig(rows, 1, 1, rowThreads(len), 1, 1);
    }

    /** Threads for a row of {@code len}: the next power of two, clamped to [32, 256]. */
    static int rowThreads(int len) {
        int t = 32;
        while (t < len && t < 256) {
            t <<= 1;
        }
        return t;
    }

    /** Tiles of {@code tileM x tileN} covering an {@code m x n} output, one grid layer per batch entry. */
    static LaunchConfig tiles(int m, int n, int tileM, int tileN, int batch, int threads) {
        return new LaunchConfig((int) ceilDiv(n, tileN), (int) ceilDiv(m, tileM), batch, threads, 1, 1);
    }

    static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }
}
