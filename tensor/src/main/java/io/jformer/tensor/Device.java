package io.jformer.tensor;

/**
 * Where a tensor's storage lives: the host ({@link #CPU}) or a CUDA device by ordinal.
 *
 * @param type  the device kind
 * @param index the ordinal among devices of that kind; always 0 for the CPU
 */
public record Device(Type type, int index) {

    /** Device kinds the engine knows. */
    public enum Type {
        /** The host processor. */
        CPU,
        /** An NVIDIA GPU through the CUDA backend ({@code jformer-kernels}). */
        CUDA
    }

    /** The host. */
    public static final Device CPU = new Device(Type.CPU, 0);

    /** Checks the index: non-negative, and 0 for the CPU. */
    public Device {
        if (index < 0 || (type == Type.CPU && index != 0)) {
            throw new IllegalArgumentException("bad device index " + index + " for " + type);
        }
    }

    /** The CUDA device with the given ordinal. */
    public static Device cuda(int index) {
        return new Device(Type.CUDA, index);
    }

    /** Parses {@code cpu}, {@code cuda} or {@code cuda:N}. */
    public static Device parse(String text) {
        String t = text.trim().toLowerCase(java.util.Locale.ROOT);
        if (t.equals("cpu")) {
            return CPU;
        }
        if (t.equals("cuda")) {
            return cuda(0);
        }
        if (t.startsWith("cuda:")) {
            try {
                return cuda(Integer.parseInt(t.substring(5)));
            } catch (NumberFormatException e) {
                // fall through to the error below
            }
        }
        throw new IllegalArgumentException("unknown device '" + text + "': expected cpu, cuda or cuda:N");
    }

    @Override
    public String toString() {
        return type == Type.CPU ? "cpu" : "cuda:" + index;
    }
}
