package io.jformer.tensor;

/**
 * The error function to double precision (the JDK has none). Exact GELU needs it to agree with
 * PyTorch's {@code erf}-based {@code gelu} to fp32 rounding.
 */
public final class Erf {

    private Erf() {
    }

    /**
     * erf(x) via W. J. Cody's rational Chebyshev approximations (Math. Comp. 1969), accurate to about
     * 1e-16 relative; three ranges: |x| ≤ 0.5, ≤ 4, and beyond.
     */
    public static double erf(double x) {
        double ax = Math.abs(x);
        if (ax <= 0.5) {
            double z = x * x;
            double num = (((0.1857777061846031526730 * z + 3.161123743870565596947) * z
                    + 113.8641541510501556495) * z + 377.4852376853020208137) * z + 3209.377589138469472562;
            double den = (((z + 23.60129095234412093499) * z + 244.0246379344441733056) * z
                    + 1282.616526077372275645) * z + 2844.236833439170622273;
            return x * num / den;
        }
        double erfc = ax <= 4.0 ? erfcMiddle(ax) : erfcTail(ax);
        double r = 1.0 - erfc;
        return x < 0 ? -r : r;
    }

    private static double erfcMiddle(double ax) {
        double num = (((((((2.15311535474403846343e-8 * ax + 0.564188496988670089180) * ax
                + 8.88314979438837594118) * ax + 66.1191906371416294775) * ax + 298.635138197400131132) * ax
                + 881.952221241769090411) * ax + 1712.04761263407058314) * ax + 2051.07837782607146532) * ax
                + 1230.33935479799725272;
        double den = (((((((ax + 15.7449261107098347253) * ax + 117.693950891312499305) * ax
                + 537.181101862009857509) * ax + 1621.38957456669018874) * ax + 3290.79923573345962678) * ax
                + 4362.61909014324715820) * ax + 3439.36767414372163696) * ax + 1230.33935480374942043;
        return Math.exp(-ax * ax) * num / den;
    }

    private static double erfcTail(double ax) {
        double z = 1.0 / (ax * ax);
        double num = ((((0.0163153871373020978498 * z + 0.305326634961232344035) * z
                + 0.360344899949804439429) * z + 0.125781726111229246204) * z + 0.0160837851487422766278) * z
                + 6.58749161529837803157e-4;
        double den = ((((z + 2.56852019228982242072) * z + 1.87295284992346725209) * z
                + 0.527905102951428412248) * z + 0.0605183413124413191178) * z + 2.33520497626869185443e-3;
        double r = z * num / den;
        r = (1.0 / Math.sqrt(Math.PI) - r) / ax;
        return Math.exp(-ax * ax) * r;
    }
}
