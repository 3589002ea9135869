package io.easel.train;

import java.io.PrintStream;
import java.util.Locale;

/** A one-line terminal progress bar: {@code [#####.....] 120/1000 loss 0.1234 lr 1.0e-04 2.31 steps/s ETA 6m20s}. */
public final class ProgressBar {
    private static final int WIDTH = 30;
    private final PrintStream out;
    private final long total;
    private double rate = Double.NaN;

    public ProgressBar(PrintStream out, long total) {
        this.out = out;
        this.total = total;
    }

    /** Redraws the line for a completed step; the speed shown is smoothed over recent steps. */
    public void update(StepRecord r) {
        rate = Double.isNaN(rate) ? r.stepsPerSecond() : 0.9 * rate + 0.1 * r.stepsPerSecond();
        out.print('\r' + line(r.step(), total, r.loss(), r.lr(), rate));
        out.flush();
    }

    /** Ends the line. */
    public void finish() {
        out.println();
        out.flush();
    }

    static String line(long step, long total, double loss, double lr, double rate) {
        int filled = (int) Math.min(WIDTH, WIDTH * step / Math.max(1, total));
        String bar = "#".repeat(filled) + ".".repeat(WIDTH - filled);
        String eta = rate > 0 ? duration((total - step) / rate) : "?";
        return String.format(Locale.ROOT, "[%s] %d/%d loss %.4f lr %.1e %.2f steps/s ETA %s   ", bar, step, total, loss, lr, rate, eta);
    }

    static String duration(double s) {
        long t = Math.round(s);
        if (t >= 3600) return (t / 3600) + "h" + String.format(Locale.ROOT, "%02dm", (t % 3600) / 60);
        if (t >= 60) return (t / 60) + "m" + String.format(Locale.ROOT, "%02ds", t % 60);
        return t + "s";
    }
}
