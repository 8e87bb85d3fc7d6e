package io.jformer.tensor;

/** Elementwise functions of one tensor, with their derivatives. */
public enum UnaryOp {
    /** {@code -x}. */
    NEG,
    /** {@code |x|}. */
    ABS,
    /** {@code e^x}. */
    EXP,
    /** The natural logarithm. */
    LOG,
    /** The square root. */
    SQRT,
    /** {@code 1 / sqrt(x)}. */
    RSQRT,
    /** The hyperbolic tangent. */
    TANH,
    /** The logistic function {@code 1 / (1 + e^-x)}. */
    SIGMOID,
    /** {@code max(x, 0)}. */
    RELU,
    /** {@code x²}. */
    SQUARE,
    /** Exact GELU: x·Φ(x) with the error function (BERT's {@code gelu}). */
    GELU,
    /** GELU's tanh approximation ({@code gelu_new} / {@code gelu_pytorch_tanh}). */
    GELU_TANH;

    private static final double SQRT_2_OVER_PI = Math.sqrt(2.0 / Math.PI);
    private static final double INV_SQRT_2 = 1.0 / Math.sqrt(2.0);
    private static final double INV_SQRT_2PI = 1.0 / Math.sqrt(2.0 * Math.PI);

    /** The scalar definition: every backend's kernels must agree with it. */
    public float apply(float x) {
        return switch (this) {
            case NEG -> -x;
            case ABS -> Math.abs(x);
            case EXP -> (float) Math.exp(x);
            case LOG -> (float) Math.log(x);
            case SQRT -> (float) Math.sqrt(x);
            case RSQRT -> (float) (1.0 / Math.sqrt(x));
            case TANH -> (float) Math.tanh(x);
            case SIGMOID -> (float) (1.0 / (1.0 + Math.exp(-x)));
            case RELU -> x <= 0 ? 0f : x; // NaN stays NaN, as in PyTorch
            case SQUARE -> x * x;
            case GELU -> (float) (0.5 * x * (1.0 + Erf.erf(x * INV_SQRT_2)));
            case GELU_TANH -> (float) (0.5 * x * (1.0 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x))));
        };
    }

    /**
     * d(apply)/dx times {@code dy}, given the input {@code x} and the output {@code y} (whichever is cheaper
     * to use; both are always supplied).
     */
    public float derivative(float x, float y, float dy) {
        return switch (this) {
            case NEG -> -dy;
            case ABS -> x > 0 ? dy : x < 0 ? -dy : 0f;
            case EXP -> dy * y;
            case LOG -> dy / x;
            case SQRT -> dy * 0.5f / y;
            case RSQRT -> dy * -0.5f * y * y * y;
            case TANH -> dy * (1f - y * y);
            case SIGMOID -> dy * y * (1f - y);
            case RELU -> x > 0 ? dy : 0f;
            case SQUARE -> dy * 2f * x;
            case GELU -> {
                double cdf = 0.5 * (1.0 + Erf.erf(x * INV_SQRT_2));
                double pdf = INV_SQRT_2PI * Math.exp(-0.5 * x * x);
                yield (float) (dy * (cdf + x * pdf));
            }
            case GELU_TANH -> {
                double inner = SQRT_2_OVER_PI * (x + 0.044715 * x * x * x);
                double t = Math.tanh(inner);
                double dInner = SQRT_2_OVER_PI * (1.0 + 3 * 0.044715 * x * x);
                yield (float) (dy * (0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * dInner));
            }
        };
    }
}
