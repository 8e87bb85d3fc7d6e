package io.jformer.autograd;

import io.jformer.tensor.DType;
import io.jformer.tensor.Generator;
import io.jformer.tensor.Shape;
import io.jformer.tensor.Tensor;
import io.jformer.tensor.cpu.CpuStorage;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Checks analytic gradients against central finite differences: the tool for unit-testing a backward rule,
 * in the engine or in user code.
 *
 * <p>The function's output is projected onto fixed random weights {@code r} (seeded), giving the scalar
 * {@code L = Σ r·f(x)}; this checks every output's gradient at once without one backward pass per output.
 * For each input element, {@code (L(x+h) - L(x-h)) / 2h} is compared with the gradient from
 * {@link Variable#backward(Tensor)} and must satisfy {@code |analytic - numeric| <= atol + rtol·|numeric|}.
 *
 * <p>Choosing tolerances for fp32 ({@link Tolerance#FP32}): the function runs in fp32, so each evaluation of L
 * carries rounding noise of about {@code sqrt(n)·6e-8·|f|}; dividing by {@code 2h} amplifies it, which argues for
 * a large step. The truncation error of the central difference is {@code h²·f'''/6}, which argues for a small
 * one. {@code h = 1e-2} puts both near 1e-5 for inputs of order 1 and smooth functions; {@code atol = 1e-3} and
 * {@code rtol = 2e-3} leave a margin of 10-100× over that, yet still catch a 1% error in any gradient component
 * larger than about 0.15. Keep inputs away from kinks (|x| and max near ties, relu near 0) by more than h.
 */
public final class GradCheck {

    /** The function under test: maps the input variables to one output variable. */
    @FunctionalInterface
    public interface Function {
        /** The output for {@code inputs} (one variable per tensor given to the check, in order). */
        Variable apply(Variable... inputs);
    }

    /**
     * Finite-difference step and the bounds of the check {@code |analytic - numeric| <= atol + rtol·|numeric|}.
     */
    public record Tolerance(double eps, double atol, double rtol) {
        /** For fp32 functions of inputs of order one; see the class comment for the reasoning. */
        public static final Tolerance FP32 = new Tolerance(1e-2, 1e-3, 2e-3);
    }

    /** One gradient component outside the tolerance. */
    public record Mismatch(int input, int[] index, double analytic, double numeric) {
        @Override
        public String toString() {
            return "input " + input + " at " + Arrays.toString(index) + ": analytic " + analytic + ", numeric " + numeric
                    + " (difference " + Math.abs(analytic - numeric) + ")";
        }
    }

    /** The outcome of a check: the worst error seen and every component that failed. */
    public record Report(double maxAbsError, int checked, List<Mismatch> mismatches) {
        /** Whether every checked component was within the tolerance. */
        public boolean passed() {
            return mismatches.isEmpty();
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder(passed() ? "gradient check passed" : "gradient check FAILED")
                    .append(": ").append(checked).append(" components, max abs error ").append(maxAbsError);
            for (int i = 0; i < Math.min(10, mismatches.size()); i++) {
                sb.append("\n  ").append(mismatches.get(i));
            }
            if (mismatches.size() > 10) {
                sb.append("\n  ... and ").append(mismatches.size() - 10).append(" more");
            }
            return sb.toString();
        }
    }

    private GradCheck() {
    }

    /** Checks with {@link Tolerance#FP32}; throws {@link AssertionError} describing the mismatches on failure. */
    public static Report assertGradients(Function f, Tensor... inputs) {
        return assertGradients(Tolerance.FP32, f, inputs);
    }

    /** Checks with the given tolerance; throws {@link AssertionError} describing the mismatches on failure. */
    public static Report assertGradients(Tolerance tol, Function f, Tensor... inputs) {
        Report r = check(tol, f, inputs);
        if (!r.passed()) {
            throw new AssertionError(r.toString());
        }
        return r;
    }

    /** Compares analytic and numeric gradients of {@code f} with respect to every (F32) input. */
    public static Report check(Tolerance tol, Function f, Tensor... inputs) {
        Tensor[] base = new Tensor[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            if (inputs[i].dtype() != DType.F32) {
                throw new IllegalArgumentException("GradCheck: input " + i + " is " + inputs[i].dtype() + ", not F32");
            }
            base[i] = inputs[i].copy();
        }
        Variable[] vars = new Variable[base.length];
        for (int i = 0; i < base.length; i++) {
            vars[i] = Variable.parameter(base[i]);
        }
        Variable out = f.apply(vars);
        Tensor weights = Tensor.randn(new Generator(0x6a666f726d6572L), out.shape().toArray())
                .to(out.data().device());
        float[] r = weights.toFloatArray();
        out.backward(weights);

        List<Mismatch> mismatches = new ArrayList<>();
        double worst = 0;
        int checked = 0;
        for (int i = 0; i < base.length; i++) {
            float[] analytic = vars[i].grad() == null ? new float[base[i].numel()] : vars[i].grad().toFloatArray();
            float[] x = base[i].toFloatArray();
            for (int j = 0; j < x.length; j++) {
                float plus = (float) (x[j] + tol.eps());
                float minus = (float) (x[j] - tol.eps());
                double lp = projected(f, base, i, x, j, plus, r);
                double lm = projected(f, base, i, x, j, minus, r);
                double numeric = (lp - lm) / ((double) plus - minus);
                double err = Math.abs(analytic[j] - numeric);
                worst = Math.max(worst, Double.isNaN(err) ? Double.POSITIVE_INFINITY : err);
                checked++;
                if (!(err <= tol.atol() + tol.rtol() * Math.abs(numeric))) {
                    mismatches.add(new Mismatch(i, unravel(j, base[i].shape()), analytic[j], numeric));
                }
            }
        }
        return new Report(worst, checked, mismatches);
    }

    /** {@code Σ r·f(x)} with element {@code j} of input {@code i} set to {@code value}, accumulated in double. */
    private static double projected(Function f, Tensor[] base, int i, float[] x, int j, float value, float[] r) {
        float[] changed = x.clone();
        changed[j] = value;
        Variable[] vars = new Variable[base.length];
        for (int k = 0; k < base.length; k++) {
            Tensor t = k == i ? new Tensor(CpuStorage.of(changed), base[k].shape()).to(base[k].device()) : base[k];
            vars[k] = Variable.constant(t);
        }
        float[] y;
        try (GradMode.Scope ignored = GradMode.noGrad()) {
            y = f.apply(vars).data().toFloatArray();
        }
        double s = 0;
        for (int k = 0; k < y.length; k++) {
            s += (double) r[k] * y[k];
        }
        return s;
    }

    private static int[] unravel(int flat, Shape shape) {
        int[] idx = new int[shape.rank()];
        for (int d = shape.rank() - 1; d >= 0; d--) {
            idx[d] = flat % shape.dim(d);
            flat /= shape.dim(d);
        }
        return idx;
    }
}
