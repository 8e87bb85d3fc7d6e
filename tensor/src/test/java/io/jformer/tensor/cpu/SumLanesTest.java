package io.jformer.tensor.cpu;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The lane sum is a fixed tree (upper half onto lower, repeatedly), so its rounding never depends on JIT state.
 * Checked bit for bit against that tree written out in scalar code, on values spread over many magnitudes so a
 * different order would show.
 */
class SumLanesTest {

    @Test
    void foldsInTheDocumentedOrder() {
        Random r = new Random(5);
        for (int trial = 0; trial < 2000; trial++) {
            float[] lanes = new float[VectorMath.LANES];
            for (int i = 0; i < lanes.length; i++) {
                lanes[i] = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(12) - 6));
            }
            float[] tree = lanes.clone();
            for (int w = tree.length; w > 1; w /= 2) {
                for (int i = 0; i < w / 2; i++) {
                    tree[i] = tree[i] + tree[i + w / 2];
                }
            }
            float got = VectorMath.sumLanes(FloatVector.fromArray(VectorMath.SPECIES, lanes, 0));
            assertEquals(Float.floatToIntBits(tree[0]), Float.floatToIntBits(got), "trial " + trial);
        }
    }
}
