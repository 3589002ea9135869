package io.easel.train;

import java.util.Random;

/**
 * The order examples are seen in: an endless stream, epoch after epoch, each epoch a fresh
 * permutation of all examples drawn from (seed, epoch). A batch may span the end of one epoch and
 * the start of the next, so no example is dropped or repeated within an epoch. The position in
 * the stream (examples consumed) is the whole data-order state a checkpoint needs.
 */
public final class DataOrder {
    private final long seed;
    private final int size;
    private final boolean shuffle;
    private long cachedEpoch = -1;
    private int[] cached;

    /**
     * @param shuffle false keeps the examples in index order every epoch
     */
    public DataOrder(long seed, int size, boolean shuffle) {
        if (size < 1) throw new IllegalArgumentException("the dataset is empty");
        this.seed = seed;
        this.size = size;
        this.shuffle = shuffle;
    }

    public int size() { return size; }

    /** The permutation of epoch {@code e} (Fisher-Yates over java.util.Random, whose sequence the JDK specifies). */
    public int[] epoch(long e) {
        if (e == cachedEpoch) return cached.clone();
        int[] p = new int[size];
        for (int i = 0; i < size; i++) p[i] = i;
        if (shuffle) {
            Random r = new Random(Seeds.derive(seed, Seeds.EPOCH_STREAM, e));
            for (int i = size - 1; i > 0; i--) {
                int j = r.nextInt(i + 1);
                int t = p[i]; p[i] = p[j]; p[j] = t;
            }
        }
        cachedEpoch = e;
        cached = p;
        return p.clone();
    }

    /** Example indices at stream positions [first, first + count). */
    public int[] take(long first, int count) {
        int[] out = new int[count];
        for (int i = 0; i < count; i++) {
            long pos = first + i;
            long e = pos / size;
            if (e != cachedEpoch) epoch(e);
            out[i] = cached[(int) (pos % size)];
        }
        return out;
    }
}
