package io.easel.train.data;

import io.easel.models.vae.AutoencoderKL;
import io.easel.tensor.Module;
import io.easel.tensor.Param;
import io.easel.weights.SafeTensors;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * VAE posteriors of training images cached on disk, for recipes whose VAE is frozen. An entry is
 * keyed by the image file's content, the training size and a hash of the VAE's weights, so a
 * changed image, size or VAE never reads a stale entry. The cache holds the posterior (mean and
 * log-variance), not a sample: a training step still draws its latent from the step's generator,
 * exactly as without the cache.
 */
public final class LatentCache {
    private final Path dir;
    private final String vaeHash;
    private final int size;
    private int hits, misses;

    /**
     * @param dir     the cache folder (created on first write)
     * @param vaeHash {@link #hash(Module)} of the VAE
     * @param size    the training resolution the images are resized to
     */
    public LatentCache(Path dir, String vaeHash, int size) {
        this.dir = dir;
        this.vaeHash = vaeHash;
        this.size = size;
    }

    /** SHA-256 (first 16 hex digits) of a module's parameter names, shapes, dtypes and bytes. */
    public static String hash(Module m) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (Map.Entry<String, Param> e : m.parameters().entrySet()) {
                Tensor t = e.getValue().get().contiguous();
                md.update(e.getKey().getBytes(StandardCharsets.UTF_8));
                md.update(java.util.Arrays.toString(e.getValue().shape()).getBytes(StandardCharsets.UTF_8));
                md.update((byte) t.scalar_type().value);
                long n = t.numel() * t.element_size();
                BytePointer p = new BytePointer(t.data_ptr());
                for (long pos = 0; pos < n; pos += 1 << 26) {
                    long len = Math.min(1 << 26, n - pos);
                    md.update(new BytePointer(p).position(pos).limit(pos + len).asByteBuffer());
                }
            }
            return HexFormat.of().formatHex(md.digest()).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The cache file of an image. */
    Path entry(Path image) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(Files.readAllBytes(image));
            md.update(("|" + size + "|" + vaeHash).getBytes(StandardCharsets.UTF_8));
            return dir.resolve(HexFormat.of().formatHex(md.digest()).substring(0, 32) + ".safetensors");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new UncheckedIOException(image + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    /**
     * The posterior of {@code image}: read from the cache, or computed by {@code vae} from
     * {@code pixels} ([1,3,S,S] in [-1, 1]), stored and returned.
     */
    public AutoencoderKL.Posterior posterior(Path image, Supplier<Tensor> pixels, AutoencoderKL vae) {
        Path f = entry(image);
        if (Files.isRegularFile(f)) {
            try {
                Map<String, Tensor> t = SafeTensors.readAll(f);
                if (t.containsKey("mean") && t.containsKey("logvar")) {
                    hits++;
                    return new AutoencoderKL.Posterior(t.get("mean"), t.get("logvar"));
                }
            } catch (RuntimeException ignored) {
                // a damaged entry is recomputed below
            }
        }
        misses++;
        AutoencoderKL.Posterior p;
        try (NoGradGuard g = new NoGradGuard()) {
            p = vae.encode(pixels.get());
        }
        Map<String, Tensor> out = new LinkedHashMap<>();
        out.put("mean", p.mean().to(torch.ScalarType.Float).contiguous());
        out.put("logvar", p.logvar().to(torch.ScalarType.Float).contiguous());
        SafeTensors.write(f, out, Map.of("image", image.getFileName().toString(), "size", Integer.toString(size), "vae", vaeHash));
        return p;
    }

    public int hits() { return hits; }

    public int misses() { return misses; }
}
