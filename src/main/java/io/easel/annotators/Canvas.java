package io.easel.annotators;

/**
 * An 8-bit RGB raster with the drawing primitives of OpenCV's {@code drawing.cpp} that the
 * ControlNet annotators use ({@code cv2.line}, {@code cv2.circle}, {@code cv2.fillConvexPoly},
 * {@code cv2.ellipse2Poly}; 8-connected, not antialiased), reproduced pixel for pixel so that
 * rendered hints match what the control models were trained on.
 */
final class Canvas {
    private static final int XY_SHIFT = 16;
    private static final long XY_ONE = 1L << XY_SHIFT;
    /** OpenCV's SinTable: sin of whole degrees 0..450, rounded to 7 decimals, as floats. */
    private static final float[] SIN = new float[451];

    static {
        for (int k = 0; k <= 450; k++) {
            SIN[k] = (float) (Math.round(Math.sin(Math.toRadians(k)) * 1e7) / 1e7);
        }
    }

    final int width, height;
    final int[] rgb;

    Canvas(int width, int height) {
        this.width = width;
        this.height = height;
        this.rgb = new int[width * height * 3];
    }

    Image toImage() {
        float[] d = new float[rgb.length];
        for (int i = 0; i < d.length; i++) d[i] = rgb[i];
        return new Image(width, height, 3, d);
    }

    /** Multiplies every sample by {@code f} and truncates, as numpy's {@code (canvas * f).astype(uint8)}. */
    void scale(double f) {
        for (int i = 0; i < rgb.length; i++) rgb[i] = (int) (rgb[i] * f);
    }

    private void put(int x, int y, int[] c) {
        if (x < 0 || y < 0 || x >= width || y >= height) return;
        int o = (y * width + x) * 3;
        rgb[o] = c[0];
        rgb[o + 1] = c[1];
        rgb[o + 2] = c[2];
    }

    private void hline(int y, int x1, int x2, int[] c) {
        for (int x = x1; x <= x2; x++) put(x, y, c);
    }

    /** {@code cv2.line(img, p1, p2, color, thickness)} with integer end points, LINE_8. */
    void line(int x1, int y1, int x2, int y2, int[] c, int thickness) {
        if (thickness <= 1) {
            line8(x1, y1, x2, y2, c);
        } else {
            thickLine(x1 * XY_ONE, y1 * XY_ONE, x2 * XY_ONE, y2 * XY_ONE, c, thickness);
        }
    }

    /** OpenCV's {@code clipLine} on a rectangle [0, w) x [0, h); false when nothing is inside. */
    private static boolean clipLine(long w, long h, long[] p) {
        long right = w - 1, bottom = h - 1;
        if (w <= 0 || h <= 0) return false;
        long x1 = p[0], y1 = p[1], x2 = p[2], y2 = p[3];
        int c1 = (x1 < 0 ? 1 : 0) + (x1 > right ? 2 : 0) + (y1 < 0 ? 4 : 0) + (y1 > bottom ? 8 : 0);
        int c2 = (x2 < 0 ? 1 : 0) + (x2 > right ? 2 : 0) + (y2 < 0 ? 4 : 0) + (y2 > bottom ? 8 : 0);
        if ((c1 & c2) == 0 && (c1 | c2) != 0) {
            long a;
            if ((c1 & 12) != 0) {
                a = c1 < 8 ? 0 : bottom;
                x1 += (a - y1) * (x2 - x1) / (y2 - y1);
                y1 = a;
                c1 = (x1 < 0 ? 1 : 0) + (x1 > right ? 2 : 0);
            }
            if ((c2 & 12) != 0) {
                a = c2 < 8 ? 0 : bottom;
                x2 += (a - y2) * (x2 - x1) / (y2 - y1);
                y2 = a;
                c2 = (x2 < 0 ? 1 : 0) + (x2 > right ? 2 : 0);
            }
            if ((c1 & c2) == 0 && (c1 | c2) != 0) {
                if (c1 != 0) {
                    a = c1 == 1 ? 0 : right;
                    y1 += (a - x1) * (y2 - y1) / (x2 - x1);
                    x1 = a;
                    c1 = 0;
                }
                if (c2 != 0) {
                    a = c2 == 1 ? 0 : right;
                    y2 += (a - x2) * (y2 - y1) / (x2 - x1);
                    x2 = a;
                    c2 = 0;
                }
            }
        }
        p[0] = x1; p[1] = y1; p[2] = x2; p[3] = y2;
        return (c1 | c2) == 0;
    }

    /** OpenCV's {@code Line}: the 8-connected {@code LineIterator}, left to right. */
    void line8(int x1, int y1, int x2, int y2, int[] c) {
        if (x1 < 0 || x1 >= width || x2 < 0 || x2 >= width || y1 < 0 || y1 >= height || y2 < 0 || y2 >= height) {
            long[] p = {x1, y1, x2, y2};
            if (!clipLine(width, height, p)) return;
            x1 = (int) p[0]; y1 = (int) p[1]; x2 = (int) p[2]; y2 = (int) p[3];
        }
        int dx = x2 - x1, dy = y2 - y1;
        if (dx < 0) { dx = -dx; dy = -dy; x1 = x2; y1 = y2; }
        int ystep = dy < 0 ? -1 : 1;
        dy = Math.abs(dy);
        boolean steep = dy > dx;
        if (steep) { int t = dx; dx = dy; dy = t; }
        int err = dx - (dy + dy), plusDelta = dx + dx, minusDelta = -(dy + dy);
        int x = x1, y = y1;
        for (int i = 0; i <= dx; i++) {
            put(x, y, c);
            boolean minor = err < 0;
            err += minusDelta + (minor ? plusDelta : 0);
            if (steep) { y += ystep; if (minor) x += 1; } else { x += 1; if (minor) y += ystep; }
        }
    }

    /** OpenCV's {@code Line2}: a 1-pixel line between XY_SHIFT fixed-point points. */
    private void line2(long p1x, long p1y, long p2x, long p2y, int[] c) {
        long[] p = {p1x, p1y, p2x, p2y};
        if (!clipLine((long) width << XY_SHIFT, (long) height << XY_SHIFT, p)) return;
        p1x = p[0]; p1y = p[1]; p2x = p[2]; p2y = p[3];
        long dx = p2x - p1x, dy = p2y - p1y;
        long ax = Math.abs(dx), ay = Math.abs(dy);
        long xStep, yStep;
        int ecount;
        if (ax > ay) {
            if (dx < 0) {
                dy = -dy;
                long t = p1x; p1x = p2x; p2x = t;
                t = p1y; p1y = p2y; p2y = t;
            }
            xStep = XY_ONE;
            yStep = (dy << XY_SHIFT) / (ax | 1);
            ecount = (int) ((p2x - p1x) >> XY_SHIFT);
        } else {
            if (dy < 0) {
                dx = -dx;
                long t = p1x; p1x = p2x; p2x = t;
                t = p1y; p1y = p2y; p2y = t;
            }
            xStep = (dx << XY_SHIFT) / (ay | 1);
            yStep = XY_ONE;
            ecount = (int) ((p2y - p1y) >> XY_SHIFT);
        }
        p1x += XY_ONE >> 1;
        p1y += XY_ONE >> 1;
        put((int) ((p2x + (XY_ONE >> 1)) >> XY_SHIFT), (int) ((p2y + (XY_ONE >> 1)) >> XY_SHIFT), c);
        if (ax > ay) {
            p1x >>= XY_SHIFT;
            while (ecount >= 0) {
                put((int) p1x, (int) (p1y >> XY_SHIFT), c);
                p1x++;
                p1y += yStep;
                ecount--;
            }
        } else {
            p1y >>= XY_SHIFT;
            while (ecount >= 0) {
                put((int) (p1x >> XY_SHIFT), (int) p1y, c);
                p1x += xStep;
                p1y++;
                ecount--;
            }
        }
    }

    /** OpenCV's {@code ThickLine} for thickness > 1, LINE_8, with round caps. */
    private void thickLine(long p0x, long p0y, long p1x, long p1y, int[] c, int thickness) {
        double dx = (p0x - p1x) / (double) XY_ONE, dy = (p1y - p0y) / (double) XY_ONE;
        double r = dx * dx + dy * dy;
        int odd = thickness & 1;
        long th = (long) thickness << (XY_SHIFT - 1);
        if (Math.abs(r) > 2.220446049250313e-16) {
            r = (th + odd * XY_ONE * 0.5) / Math.sqrt(r);
            long dpx = (long) Math.rint(dy * r), dpy = (long) Math.rint(dx * r);
            long[][] pt = {
                    {p0x + dpx, p0y + dpy}, {p0x - dpx, p0y - dpy},
                    {p1x - dpx, p1y - dpy}, {p1x + dpx, p1y + dpy}};
            fillConvexPoly(pt, c, XY_SHIFT);
        }
        int radius = (int) ((th + (XY_ONE >> 1)) >> XY_SHIFT);
        circle((int) ((p0x + (XY_ONE >> 1)) >> XY_SHIFT), (int) ((p0y + (XY_ONE >> 1)) >> XY_SHIFT), radius, c, true);
        circle((int) ((p1x + (XY_ONE >> 1)) >> XY_SHIFT), (int) ((p1y + (XY_ONE >> 1)) >> XY_SHIFT), radius, c, true);
    }

    /** {@code cv2.fillConvexPoly(img, pts, color)} with integer points (LINE_8, shift 0). */
    void fillConvexPoly(int[][] pts, int[] c) {
        long[][] v = new long[pts.length][];
        for (int i = 0; i < pts.length; i++) v[i] = new long[]{pts[i][0], pts[i][1]};
        fillConvexPoly(v, c, 0);
    }

    /** OpenCV's {@code FillConvexPoly} for LINE_8, points with {@code shift} fractional bits. */
    private void fillConvexPoly(long[][] v, int[] c, int shift) {
        int npts = v.length;
        long delta = (1L << shift) >> 1;
        long delta1 = XY_ONE >> 1, delta2 = XY_ONE >> 1;
        long p0x = v[npts - 1][0] << (XY_SHIFT - shift), p0y = v[npts - 1][1] << (XY_SHIFT - shift);
        long xmin = v[0][0], xmax = v[0][0], ymin = v[0][1], ymax = v[0][1];
        int imin = 0;
        for (int i = 0; i < npts; i++) {
            long px = v[i][0], py = v[i][1];
            if (py < ymin) { ymin = py; imin = i; }
            ymax = Math.max(ymax, py);
            xmax = Math.max(xmax, px);
            xmin = Math.min(xmin, px);
            px <<= XY_SHIFT - shift;
            py <<= XY_SHIFT - shift;
            if (shift == 0) {
                line8((int) (p0x >> XY_SHIFT), (int) (p0y >> XY_SHIFT), (int) (px >> XY_SHIFT), (int) (py >> XY_SHIFT), c);
            } else {
                line2(p0x, p0y, px, py, c);
            }
            p0x = px;
            p0y = py;
        }
        xmin = (xmin + delta) >> shift;
        xmax = (xmax + delta) >> shift;
        ymin = (ymin + delta) >> shift;
        ymax = (ymax + delta) >> shift;
        if (npts < 3 || (int) xmax < 0 || (int) ymax < 0 || (int) xmin >= width || (int) ymin >= height) return;
        ymax = Math.min(ymax, height - 1);

        int[] eIdx = {imin, imin}, eDi = {1, npts - 1}, eYe = new int[2];
        long[] eX = {-XY_ONE, -XY_ONE}, eDx = {0, 0};
        int y = (int) ymin;
        eYe[0] = eYe[1] = y;
        int edges = npts;
        do {
            for (int i = 0; i < 2; i++) {
                if (y >= eYe[i]) {
                    int idx0 = eIdx[i], di = eDi[i];
                    int idx = idx0 + di;
                    if (idx >= npts) idx -= npts;
                    for (; edges-- > 0; ) {
                        int ty = (int) ((v[idx][1] + delta) >> shift);
                        if (ty > y) {
                            long xs = v[idx0][0], xe = v[idx][0];
                            if (shift != XY_SHIFT) {
                                xs <<= XY_SHIFT - shift;
                                xe <<= XY_SHIFT - shift;
                            }
                            eYe[i] = ty;
                            eDx[i] = ((xe - xs) * 2 + (ty - y)) / (2L * (ty - y));
                            eX[i] = xs;
                            eIdx[i] = idx;
                            break;
                        }
                        idx0 = idx;
                        idx += di;
                        if (idx >= npts) idx -= npts;
                    }
                }
            }
            if (edges < 0) break;
            if (y >= 0) {
                int left = 0, right = 1;
                if (eX[0] > eX[1]) { left = 1; right = 0; }
                int xx1 = (int) ((eX[left] + delta1) >> XY_SHIFT);
                int xx2 = (int) ((eX[right] + delta2) >> XY_SHIFT);
                if (xx2 >= 0 && xx1 < width) {
                    if (xx1 < 0) xx1 = 0;
                    if (xx2 >= width) xx2 = width - 1;
                    hline(y, xx1, xx2, c);
                }
            }
            eX[0] += eDx[0];
            eX[1] += eDx[1];
        } while (++y <= (int) ymax);
    }

    /** {@code cv2.circle(img, center, radius, color, thickness=-1 if fill else 1)}, LINE_8: OpenCV's {@code Circle}. */
    void circle(int cx, int cy, int radius, int[] c, boolean fill) {
        int err = 0, dx = radius, dy = 0, plus = 1, minus = (radius << 1) - 1;
        while (dx >= dy) {
            int y11 = cy - dy, y12 = cy + dy, y21 = cy - dx, y22 = cy + dx;
            int x11 = cx - dx, x12 = cx + dx, x21 = cx - dy, x22 = cx + dy;
            if (x11 < width && x12 >= 0 && y21 < height && y22 >= 0) {
                if (fill) {
                    x11 = Math.max(x11, 0);
                    x12 = Math.min(x12, width - 1);
                }
                for (int yy : new int[]{y11, y12}) {
                    if (yy < 0 || yy >= height) continue;
                    if (!fill) { put(x11, yy, c); put(x12, yy, c); } else hline(yy, x11, x12, c);
                }
                if (x21 < width && x22 >= 0) {
                    if (fill) {
                        x21 = Math.max(x21, 0);
                        x22 = Math.min(x22, width - 1);
                    }
                    for (int yy : new int[]{y21, y22}) {
                        if (yy < 0 || yy >= height) continue;
                        if (!fill) { put(x21, yy, c); put(x22, yy, c); } else hline(yy, x21, x22, c);
                    }
                }
            }
            dy++;
            err += plus;
            plus += 2;
            int mask = (err <= 0 ? 1 : 0) - 1;
            err -= minus & mask;
            dx += mask;
            minus -= mask & 2;
        }
    }

    /** {@code cv2.ellipse2Poly(center, axes, angle, arcStart, arcEnd, delta)} with integer output. */
    static int[][] ellipse2Poly(int cx, int cy, int ax, int ay, int angle, int arcStart, int arcEnd, int delta) {
        while (angle < 0) angle += 360;
        while (angle > 360) angle -= 360;
        if (arcStart > arcEnd) { int t = arcStart; arcStart = arcEnd; arcEnd = t; }
        while (arcStart < 0) { arcStart += 360; arcEnd += 360; }
        while (arcEnd > 360) { arcEnd -= 360; arcStart -= 360; }
        if (arcEnd - arcStart > 360) { arcStart = 0; arcEnd = 360; }
        int a0 = angle < 0 ? angle + 360 : angle;
        float alpha = SIN[450 - a0], beta = SIN[a0];
        java.util.List<int[]> pts = new java.util.ArrayList<>();
        int prevX = Integer.MIN_VALUE, prevY = Integer.MIN_VALUE;
        for (int i = arcStart; i < arcEnd + delta; i += delta) {
            int a = Math.min(i, arcEnd);
            if (a < 0) a += 360;
            double x = ax * (double) SIN[450 - a];
            double y = ay * (double) SIN[a];
            int px = (int) Math.rint(cx + x * alpha - y * beta);
            int py = (int) Math.rint(cy + x * beta + y * alpha);
            if (px != prevX || py != prevY) {
                pts.add(new int[]{px, py});
                prevX = px;
                prevY = py;
            }
        }
        if (pts.size() == 1) {
            pts.clear();
            pts.add(new int[]{cx, cy});
            pts.add(new int[]{cx, cy});
        }
        return pts.toArray(new int[0][]);
    }
}
