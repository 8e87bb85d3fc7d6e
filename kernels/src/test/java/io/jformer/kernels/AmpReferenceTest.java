package io.jformer.kernels;

import io.jformer.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The CPU definition of the AMP helpers the GPU kernels are checked against. */
class AmpReferenceTest {

    @Test
    void unscaleMultipliesInPlaceAndReportsInfOrNaN() {
        Tensor a = Tensor.of(new float[]{2, 4, -8}, 3);
        Tensor b = Tensor.of(new float[]{16}, 1);
        assertFalse(AmpReference.unscaleAndCheck(List.of(a, b), 0.5f));
        assertArrayEquals(new float[]{1, 2, -4}, a.toFloatArray());
        assertArrayEquals(new float[]{8}, b.toFloatArray());
        assertTrue(AmpReference.unscaleAndCheck(List.of(Tensor.of(new float[]{1, Float.POSITIVE_INFINITY}, 2)), 1f));
        assertTrue(AmpReference.unscaleAndCheck(List.of(Tensor.of(new float[]{Float.NaN}, 1)), 1f));
    }

    @Test
    void globalNormIsTheL2NormOverAllTensors() {
        double n = AmpReference.globalNorm(List.of(Tensor.of(new float[]{3}, 1), Tensor.of(new float[]{4, 0}, 2)));
        assertEquals(5.0, n, 0);
        assertEquals(0.0, AmpReference.globalNorm(List.of()), 0);
    }
}
