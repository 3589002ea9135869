package io.easel.train.data;

import io.easel.tensor.T;
import io.easel.train.BatchSource;
import org.bytedeco.pytorch.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * A {@link PairDataset} as training batches at a square training size: each image is resized
 * (shorter side) and centre-cropped as diffusers' scripts do, target images normalised to [-1, 1]
 * ({@code Normalize([0.5], [0.5])}), condition images kept in [0, 1] as {@code train_controlnet.py}
 * feeds them.
 */
public final class ImageBatches implements BatchSource<ImageBatches.Batch> {
    private final PairDataset dataset;
    private final int size;
    private final String fingerprint;

    /**
     * A batch.
     *
     * @param images     [B,3,S,S] in [-1, 1]
     * @param conditions [B,3,S,S] in [0, 1], or null when the dataset has no conditions
     * @param captions   one per image
     * @param examples   what the rows came from
     */
    public record Batch(Tensor images, Tensor conditions, List<String> captions, List<Example> examples) {}

    /** @param size the training resolution in pixels (square) */
    public ImageBatches(PairDataset dataset, int size) {
        if (size < 8) throw new IllegalArgumentException("training size must be at least 8 pixels, got " + size);
        this.dataset = dataset;
        this.size = size;
        this.fingerprint = dataset.fingerprint() + "@" + size;
    }

    public int resolution() { return size; }

    public PairDataset dataset() { return dataset; }

    @Override public int size() { return dataset.size(); }

    @Override public String fingerprint() { return fingerprint; }

    @Override public Batch batch(int[] indices) {
        List<Tensor> imgs = new ArrayList<>(), conds = new ArrayList<>();
        List<String> caps = new ArrayList<>();
        List<Example> ex = new ArrayList<>();
        for (int i : indices) {
            Example e = dataset.get(i);
            imgs.add(image(e));
            if (e.condition() != null) conds.add(condition(e));
            caps.add(e.caption());
            ex.add(e);
        }
        return new Batch(T.cat(imgs, 0), conds.isEmpty() ? null : T.cat(conds, 0), caps, ex);
    }

    /** The example's image as [1,3,S,S] in [-1, 1]. */
    public Tensor image(Example e) {
        return planes(Resize.resizeAndCenterCrop(ImageFiles.readRgb(e.image()), size)).mul(T.s(2.0)).sub(T.s(1.0));
    }

    /** The example's condition as [1,3,S,S] in [0, 1]. */
    public Tensor condition(Example e) {
        return planes(Resize.resizeAndCenterCrop(ImageFiles.readRgb(e.condition()), size));
    }

    static Tensor planes(Resize.Planes p) {
        int n = p.width() * p.height();
        float[] all = new float[3 * n];
        for (int c = 0; c < 3; c++) System.arraycopy(p.data()[c], 0, all, c * n, n);
        return T.fromFloats(all, 1, 3, p.height(), p.width());
    }
}
