package io.easel.sampling;

/**
 * The few numpy routines diffusers builds its inference schedules with, reproduced to the last
 * bit that matters (float64, numpy's own formulas), because a timestep that rounds the other way
 * changes every step after it.
 */
final class NumpyMath {
    private NumpyMath() {}

    /** {@code np.linspace(start, stop, num)}: {@code i * step + start}, the last value exactly {@code stop}. */
    static double[] linspace(double start, double stop, int num) {
        double[] y = new double[num];
        if (num == 1) { y[0] = start; return y; }
        double step = (stop - start) / (num - 1);
        for (int i = 0; i < num; i++) y[i] = i * step + start;
        y[num - 1] = stop;
        return y;
    }

    /**
     * {@code np.arange(start, stop, step)} for float steps: length {@code ceil((stop-start)/step)},
     * values {@code start + i * ((start + step) - start)} as numpy's fill computes them.
     */
    static double[] arange(double start, double stop, double step) {
        int len = (int) Math.max(0, Math.ceil((stop - start) / step));
        double[] y = new double[len];
        if (len == 0) return y;
        y[0] = start;
        if (len == 1) return y;
        y[1] = start + step;
        double delta = y[1] - start;
        for (int i = 2; i < len; i++) y[i] = start + i * delta;
        return y;
    }

    /** {@code np.round} (half to even) of each value. */
    static double[] round(double[] x) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) y[i] = Math.rint(x[i]);
        return y;
    }

    static double[] reverse(double[] x) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) y[i] = x[x.length - 1 - i];
        return y;
    }

    /** {@code np.interp(x, np.arange(len(fp)), fp)}: linear interpolation on the integer grid, clamped at the ends. */
    static double interp(double x, float[] fp) {
        int last = fp.length - 1;
        if (!(x > 0)) return fp[0];
        if (x >= last) return fp[last];
        int j = (int) Math.floor(x);
        if (j == x) return fp[j];
        double slope = ((double) fp[j + 1] - fp[j]) / 1.0;
        return slope * (x - j) + fp[j];
    }

    /**
     * diffusers' {@code _sigma_to_t}: the fractional training timestep whose log-sigma a sigma
     * interpolates. {@code logSigmas} is float32 ({@code np.log} of a float32 array), so
     * {@code low - high} is a float32 difference while the rest is float64, as in numpy.
     */
    static double sigmaToT(double sigma, float[] logSigmas) {
        double logSigma = Math.log(Math.max(sigma, 1e-10));
        // low_idx: the last index whose log-sigma is <= log_sigma (0 if none), at most len - 2.
        int low = 0;
        for (int i = 0; i < logSigmas.length; i++) if (logSigma - logSigmas[i] >= 0) low = i;
        low = Math.min(low, logSigmas.length - 2);
        float lo = logSigmas[low], hi = logSigmas[low + 1];
        double w = (lo - logSigma) / (double) (lo - hi);
        w = Math.min(1, Math.max(0, w));
        return (1 - w) * low + w * (low + 1);
    }

    /** Karras et al. (2022) sigmas, rho = 7, from {@code sigmaMax} down to {@code sigmaMin} (diffusers' {@code _convert_to_karras}). */
    static double[] karras(double sigmaMin, double sigmaMax, int n) {
        double rho = 7.0;
        double[] ramp = linspace(0, 1, n);
        double minInvRho = Math.pow(sigmaMin, 1 / rho), maxInvRho = Math.pow(sigmaMax, 1 / rho);
        double[] s = new double[n];
        for (int i = 0; i < n; i++) s[i] = Math.pow(maxInvRho + ramp[i] * (minInvRho - maxInvRho), rho);
        return s;
    }
}
