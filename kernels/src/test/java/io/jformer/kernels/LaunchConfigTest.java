package io.jformer.kernels;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Grid and block arithmetic for odd sizes. */
class LaunchConfigTest {

    @Test
    void elementwiseGridsCoverOddSizesAndCapForGridStrideLoops() {
        assertEquals(1, LaunchConfig.elementwise(1).gridX());
        assertEquals(1, LaunchConfig.elementwise(256).gridX());
        assertEquals(2, LaunchConfig.elementwise(257).gridX());
        assertEquals(40, LaunchConfig.elementwise(10_001).gridX());
        assertEquals(LaunchConfig.MAX_GRID_STRIDE_BLOCKS, LaunchConfig.elementwise(1L << 31).gridX());
        assertEquals(256, LaunchConfig.elementwise(7).blockX());
    }

    @Test
    void rowBlocksArePowersOfTwoBetween32And256() {
        assertEquals(32, LaunchConfig.rowThreads(1));
        assertEquals(32, LaunchConfig.rowThreads(32));
        assertEquals(64, LaunchConfig.rowThreads(33));
        assertEquals(128, LaunchConfig.rowThreads(97));
        assertEquals(256, LaunchConfig.rowThreads(769));
        LaunchConfig c = LaunchConfig.perRow(1_000_003, 129);
        assertEquals(1_000_003, c.gridX());
        assertEquals(256, c.blockX());
    }

    @Test
    void matmulTilesCoverEdgesAndBatches() {
        LaunchConfig c = LaunchConfig.tiles(129, 257, 128, 128, 7, 256);
        assertEquals(3, c.gridX()); // columns: ceil(257 / 128)
        assertEquals(2, c.gridY()); // rows: ceil(129 / 128)
        assertEquals(7, c.gridZ());
        LaunchConfig one = LaunchConfig.tiles(1, 1, 64, 64, 1, 256);
        assertEquals(1, one.gridX() * one.gridY() * one.gridZ());
        for (int m = 1; m < 300; m += 37) {
            for (int n = 1; n < 300; n += 41) {
                LaunchConfig t = LaunchConfig.tiles(m, n, 64, 64, 1, 256);
                assertTrue(t.gridY() * 64 >= m && (t.gridY() - 1) * 64 < m);
                assertTrue(t.gridX() * 64 >= n && (t.gridX() - 1) * 64 < n);
            }
        }
    }

    @Test
    void launchesBeyondDeviceLimitsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> LaunchConfig.tiles(64, 64, 64, 64, 70_000, 256));
        assertThrows(IllegalArgumentException.class, () -> new LaunchConfig(1, 1, 1, 2048, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new LaunchConfig(0, 1, 1, 32, 1, 1));
    }

    /**
     * The tensor-core kernel takes 64-row tiles only when 128-row ones would leave SMs idle (H200: 132 SMs):
     * BERT-base's 2048-token products do (16 x 6 = 96 tiles), 8192-token ones and attention's batches do not.
     */
    @Test
    void tensorCoreTilesHalveOnlyWhenTheGridWouldNotFillTheDevice() {
        assertEquals(64, MatmulOps.tensorCoreTileRows(2048, 768, 1, 132));
        assertEquals(128, MatmulOps.tensorCoreTileRows(2048, 3072, 1, 132)); // 16 x 24 = 384 tiles
        assertEquals(128, MatmulOps.tensorCoreTileRows(8192, 768, 1, 132));
        assertEquals(128, MatmulOps.tensorCoreTileRows(128, 128, 192, 132)); // Q K^T over 16 x 12 heads
        assertEquals(64, MatmulOps.tensorCoreTileRows(1408, 1408, 1, 132)); // 11 x 11 = 121 < 132
        assertEquals(128, MatmulOps.tensorCoreTileRows(1536, 1408, 1, 132)); // 12 x 11 = 132
        MatmulOps.forcedTileRows = 128;
        try {
            assertEquals(128, MatmulOps.tensorCoreTileRows(2048, 768, 1, 132));
        } finally {
            MatmulOps.forcedTileRows = 0;
        }
    }
}
