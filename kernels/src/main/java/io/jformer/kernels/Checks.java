package io.jformer.kernels;

import io.jformer.tensor.DType;
import io.jformer.tensor.Device;
import io.jformer.tensor.ShapeMismatchException;
import io.jformer.tensor.Tensor;

/** Argument checks shared by the op classes; messages name the op and the operands, like the CPU backend's. */
final class Checks {

    private Checks() {
    }

    static void onDevice(String op, Device device, Tensor... ts) {
        for (Tensor t : ts) {
            if (t != null && !t.device().equals(device)) {
                throw new IllegalArgumentException(op + ": tensor " + t.shape() + " on " + t.device()
                        + " given to the " + device + " backend; move it with to(" + (device.type() == Device.Type.CPU
                        ? "Device.CPU" : "Device.cuda(" + device.index() + ")") + ")");
            }
        }
    }

    /** Floating-point operands (F32, F16 or BF16: the kernels widen on load) on this device. */
    static void floats(String op, Device device, Tensor... ts) {
        onDevice(op, device, ts);
        for (Tensor t : ts) {
            if (t != null && !t.dtype().isFloatingPoint()) {
                throw new IllegalArgumentException(op + ": expected floating-point operands but got " + t.dtype()
                        + " " + t.shape());
            }
        }
    }

    static void i64(String op, Device device, Tensor t) {
        onDevice(op, device, t);
        if (t.dtype() != DType.I64) {
            throw new IllegalArgumentException(op + ": indices must be I64 but got " + t.dtype() + " (shape "
                    + t.shape() + ")");
        }
    }

    static void sameShape(String op, Tensor a, Tensor b) {
        if (!a.shape().equals(b.shape())) {
            throw new ShapeMismatchException(op + ": shapes " + a.shape() + " and " + b.shape() + " must be equal");
        }
    }
}
