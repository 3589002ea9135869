package io.easel.cli;

import io.easel.api.ProgressListener;

import java.io.PrintWriter;
import java.util.Locale;

/** A one-line terminal progress bar with steps/s, redrawn in place. */
final class ProgressBar implements ProgressListener {
    private final PrintWriter err;
    private final boolean tty;
    private String phase = "";
    private int lastPercent = -1;

    ProgressBar(PrintWriter err) {
        this.err = err;
        this.tty = System.console() != null;
    }

    @Override
    public void progress(String phase, int done, int total, double seconds) {
        if (!phase.equals(this.phase)) { this.phase = phase; lastPercent = -1; }
        int width = 30;
        int filled = total == 0 ? width : (int) Math.round(width * (double) done / total);
        double rate = seconds > 0 ? done / seconds : 0;
        double eta = rate > 0 ? (total - done) / rate : 0;
        String line = String.format(Locale.ROOT, "%s [%s%s] %d/%d  %.2f steps/s  %.0fs left", phase,
                "#".repeat(filled), "-".repeat(width - filled), done, total, rate, eta);
        if (tty) {
            err.print("\r" + line + (done == total ? "\n" : ""));
        } else {
            int pct = total == 0 ? 100 : 100 * done / total;
            if (done == total || pct / 10 != lastPercent / 10) err.println(line);
            lastPercent = pct;
        }
        err.flush();
    }
}
