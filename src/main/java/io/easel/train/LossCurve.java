package io.easel.train;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;

/** Draws the loss curve (each step, and an exponential moving average) as a PNG with Java2D. */
public final class LossCurve {
    private LossCurve() {}

    private static final int W = 800, H = 420, LEFT = 70, RIGHT = 20, TOP = 30, BOTTOM = 45;

    /** Writes {@code png} atomically; nothing is written for an empty record list. */
    public static void write(Path png, List<StepRecord> records, String title) {
        if (records.isEmpty()) return;
        BufferedImage img = render(records, title);
        Path tmp = png.resolveSibling(png.getFileName() + ".partial");
        try {
            ImageIO.write(img, "png", tmp.toFile());
            Files.move(tmp, png, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(png + ": cannot write the loss curve (" + e.getMessage() + ")", e);
        }
    }

    static BufferedImage render(List<StepRecord> records, String title) {
        BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, W, H);
            double x0 = records.get(0).step(), x1 = records.get(records.size() - 1).step();
            if (x1 <= x0) x1 = x0 + 1;
            double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
            for (StepRecord r : records) if (Double.isFinite(r.loss())) { lo = Math.min(lo, r.loss()); hi = Math.max(hi, r.loss()); }
            if (!Double.isFinite(lo)) { lo = 0; hi = 1; }
            if (hi - lo < 1e-12) { hi = lo + Math.max(1e-6, Math.abs(lo) * 0.1); }
            double pad = (hi - lo) * 0.05;
            lo -= pad;
            hi += pad;
            int pw = W - LEFT - RIGHT, ph = H - TOP - BOTTOM;
            // grid and labels
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
            for (int i = 0; i <= 5; i++) {
                int y = TOP + ph - i * ph / 5;
                g.setColor(new Color(230, 230, 230));
                g.drawLine(LEFT, y, LEFT + pw, y);
                g.setColor(Color.DARK_GRAY);
                g.drawString(String.format(Locale.ROOT, "%.4g", lo + (hi - lo) * i / 5), 5, y + 4);
            }
            for (int i = 0; i <= 5; i++) {
                int x = LEFT + i * pw / 5;
                g.setColor(Color.DARK_GRAY);
                g.drawString(Long.toString(Math.round(x0 + (x1 - x0) * i / 5)), x - 10, TOP + ph + 16);
            }
            g.drawRect(LEFT, TOP, pw, ph);
            g.drawString("step", LEFT + pw / 2 - 10, H - 8);
            g.drawString("loss", 5, TOP - 10);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
            g.drawString(title, LEFT + 40, TOP - 10);
            // raw loss and its centred moving average over about 2% of the run (an exponential
            // average drawn from the first step lagged the falling loss by hundreds of steps)
            List<StepRecord> finite = records.stream().filter(r -> Double.isFinite(r.loss())).toList();
            double[] prefix = new double[finite.size() + 1];
            for (int i = 0; i < finite.size(); i++) prefix[i + 1] = prefix[i] + finite.get(i).loss();
            int half = Math.max(0, finite.size() / 100);
            Path2D raw = new Path2D.Double(), mean = new Path2D.Double();
            for (int i = 0; i < finite.size(); i++) {
                StepRecord r = finite.get(i);
                int a = Math.max(0, i - half), b = Math.min(finite.size(), i + half + 1);
                double avg = (prefix[b] - prefix[a]) / (b - a);
                double x = LEFT + (r.step() - x0) / (x1 - x0) * pw;
                double y = TOP + ph - (r.loss() - lo) / (hi - lo) * ph, ya = TOP + ph - (avg - lo) / (hi - lo) * ph;
                if (i == 0) { raw.moveTo(x, y); mean.moveTo(x, ya); }
                else { raw.lineTo(x, y); mean.lineTo(x, ya); }
            }
            g.setStroke(new BasicStroke(1f));
            g.setColor(new Color(150, 180, 230));
            g.draw(raw);
            g.setStroke(new BasicStroke(2f));
            g.setColor(new Color(20, 60, 160));
            g.draw(mean);
        } finally {
            g.dispose();
        }
        return img;
    }
}
