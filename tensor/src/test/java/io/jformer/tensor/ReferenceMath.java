package io.jformer.tensor;

/**
 * Double-precision special functions for test references, written independently of {@link Erf} and the vector
 * kernels: erf by its everywhere-positive power series, erfc by its continued fraction in the tail, so the lower
 * tail of the normal CDF keeps full relative accuracy (no {@code 1 + erf} cancellation).
 */
final class ReferenceMath {

    private ReferenceMath() {
    }

    private static final double TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

    /**
     * erf(z) for z ≥ 0 from {@code erf(z) = 2/√π · e^{-z²} · Σ 2ⁿ z^{2n+1} / (1·3·…·(2n+1))} (Abramowitz &amp;
     * Stegun 7.1.6): every term is positive, so the sum has no cancellation; used for z &lt; 3.
     */
    static double erfSeries(double z) {
        double term = z;
        double sum = z;
        for (int n = 1; n < 500 && term > 1e-18 * sum; n++) {
            term *= 2 * z * z / (2 * n + 1);
            sum += term;
        }
        return TWO_OVER_SQRT_PI * Math.exp(-z * z) * sum;
    }

    /**
     * erfc(z) for z ≥ 3 by the continued fraction {@code e^{-z²}/√π · 1/(z + ½/(z + 1/(z + (3/2)/(z + …))))}
     * (A&amp;S 7.1.14), evaluated bottom-up from 300 levels (it has converged to double long before at z ≥ 3).
     */
    static double erfcFraction(double z) {
        double f = z;
        for (int k = 300; k >= 1; k--) {
            f = z + (k / 2.0) / f;
        }
        return Math.exp(-z * z) / (Math.sqrt(Math.PI) * f);
    }

    static double erfc(double z) {
        if (z < 0) {
            return 2 - erfc(-z);
        }
        return z < 3 ? 1 - erfSeries(z) : erfcFraction(z); // 1 - erf loses ≤ 5 of 16 digits below z = 3
    }

    static double erf(double z) {
        return z < 0 ? -erf(-z) : z < 3 ? erfSeries(z) : 1 - erfcFraction(z);
    }

    /** The standard normal CDF, Φ(x) = ½·erfc(-x/√2), accurate in relative terms in both tails. */
    static double phi(double x) {
        return 0.5 * erfc(-x / Math.sqrt(2));
    }

    /** The standard normal density. */
    static double pdf(double x) {
        return Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
    }

    /** Exact GELU, x·Φ(x). */
    static double gelu(double x) {
        return x * phi(x);
    }

    static final double SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

    /** GELU's tanh approximation, ½x(1 + tanh(√(2/π)(x + 0.044715x³))). */
    static double geluTanh(double x) {
        return 0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)));
    }

    /** d/dx of {@link #geluTanh}, differentiated by hand: ½(1 + t) + ½x(1 - t²)·√(2/π)(1 + 3·0.044715x²). */
    static double geluTanhDerivative(double x) {
        double t = Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x));
        return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x * x);
    }

    /** The value of {@code op} at x in double, from the textbook definition. */
    static double unary(UnaryOp op, double x) {
        return switch (op) {
            case NEG -> -x;
            case ABS -> Math.abs(x);
            case EXP -> Math.exp(x);
            case LOG -> Math.log(x);
            case SQRT -> Math.sqrt(x);
            case RSQRT -> 1 / Math.sqrt(x);
            case TANH -> Math.tanh(x);
            case SIGMOID -> 1 / (1 + Math.exp(-x));
            case RELU -> Double.isNaN(x) ? x : x > 0 ? x : 0;
            case SQUARE -> x * x;
            case GELU -> gelu(x);
            case GELU_TANH -> geluTanh(x);
        };
    }

    /** d op/dx at x in double, differentiated by hand (|x| and relu take derivative 0 at 0, as PyTorch does). */
    static double unaryDerivative(UnaryOp op, double x) {
        return switch (op) {
            case NEG -> -1;
            case ABS -> Math.signum(x);
            case EXP -> Math.exp(x);
            case LOG -> 1 / x;
            case SQRT -> 0.5 / Math.sqrt(x);
            case RSQRT -> -0.5 * Math.pow(x, -1.5);
            case TANH -> 1 / (Math.cosh(x) * Math.cosh(x));
            case SIGMOID -> Math.exp(-x) / ((1 + Math.exp(-x)) * (1 + Math.exp(-x)));
            case RELU -> x > 0 ? 1 : 0;
            case SQUARE -> 2 * x;
            case GELU -> phi(x) + x * pdf(x);
            case GELU_TANH -> geluTanhDerivative(x);
        };
    }
}
