package io.easel.annotators;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static io.easel.annotators.OptionSpec.ofBoolean;
import static io.easel.annotators.OptionSpec.ofChoice;
import static io.easel.annotators.OptionSpec.ofDouble;
import static io.easel.annotators.OptionSpec.ofFile;
import static io.easel.annotators.OptionSpec.ofInt;

/**
 * Every preprocessor by name, with its options, for {@code easel annotate <kind> IN OUT
 * [name=value...]}. Options are validated by name: an unknown name or an out-of-range value is an
 * {@link IllegalArgumentException} naming the option and what it accepts.
 *
 * <p>Image annotators return three 8-bit channels (the ControlNet hint is the value / 255),
 * except {@link #INPAINT}, whose masked pixels hold -255 (hint -1).
 */
public enum Annotator {
    /** Canny edges, bit-exact with {@code cv2.Canny} (see {@link Canny}). */
    CANNY("canny", Input.IMAGE, "Canny edges (OpenCV cv2.Canny, aperture 3)",
            ofDouble("low_threshold", 100, 0, 2040, "lower hysteresis threshold"),
            ofDouble("high_threshold", 200, 0, 2040, "upper hysteresis threshold"),
            ofBoolean("l2_gradient", false, "use the L2 gradient magnitude")) {
        @Override
        Image compute(Image in, Options o) {
            return Canny.detect(in, o.getDouble("low_threshold"), o.getDouble("high_threshold"),
                    o.getBoolean("l2_gradient")).toRgb();
        }
    },
    /** Straight lines by probabilistic Hough on Canny edges, an M-LSD stand-in (see {@link StraightLines}). */
    LINES("lines", Input.IMAGE, "straight line segments, M-LSD style (Hough transform, no weights)",
            ofDouble("low_threshold", 100, 0, 2040, "Canny lower threshold"),
            ofDouble("high_threshold", 200, 0, 2040, "Canny upper threshold"),
            ofInt("threshold", 80, 1, 100000, "Hough votes a line needs"),
            ofInt("min_length", 40, 1, 100000, "shortest segment kept, pixels"),
            ofInt("max_gap", 5, 0, 100000, "largest gap bridged, pixels"),
            ofInt("thickness", 1, 1, 32, "drawn line thickness, pixels"),
            ofInt("seed", 0, 0, Long.MAX_VALUE, "seed of the random point order")) {
        @Override
        Image compute(Image in, Options o) {
            return StraightLines.detect(in, o.getDouble("low_threshold"), o.getDouble("high_threshold"),
                    o.getInt("threshold"), o.getInt("min_length"), o.getInt("max_gap"), o.getInt("thickness"),
                    o.getLong("seed"));
        }
    },
    /** User sketch to white strokes on black (see {@link Sketch#scribble}). */
    SCRIBBLE("scribble", Input.IMAGE, "user sketch normalised to white strokes on black",
            ofInt("threshold", 127, 0, 255, "stroke threshold"),
            ofChoice("background", "auto", List.of("auto", "white", "black"), "background side of the sketch"),
            ofInt("thicken", 0, 0, 64, "dilation radius, pixels")) {
        @Override
        Image compute(Image in, Options o) {
            return Sketch.scribble(in, o.getInt("threshold"),
                    Sketch.Background.valueOf(o.getChoice("background").toUpperCase(Locale.ROOT)), o.getInt("thicken"));
        }
    },
    /** Binary threshold of luma, Otsu at 0 (see {@link Sketch#binary}). */
    BINARY("binary", Input.IMAGE, "binary threshold of luma (0 = Otsu)",
            ofInt("threshold", 0, 0, 255, "threshold; 0 or 255 = Otsu"),
            ofBoolean("invert", false, "white where dark (THRESH_BINARY_INV)")) {
        @Override
        Image compute(Image in, Options o) {
            return Sketch.binary(in, o.getInt("threshold"), o.getBoolean("invert"));
        }
    },
    /** 255 - x (see {@link Sketch#invert}). */
    INVERT("invert", Input.IMAGE, "inverted image (255 - x)") {
        @Override
        Image compute(Image in, Options o) {
            return Sketch.invert(in.flattenAlpha()).toRgb();
        }
    },
    /** Luma over three channels (see {@link Sketch#grayscale}). */
    GRAYSCALE("grayscale", Input.IMAGE, "grayscale (luma on three channels)") {
        @Override
        Image compute(Image in, Options o) {
            return Sketch.grayscale(in);
        }
    },
    /** Difference-of-Gaussians soft edges, a weights-free HED stand-in (see {@link SoftEdge}). */
    SOFTEDGE_DOG("softedge_dog", Input.IMAGE, "soft edges by difference of Gaussians (HED stand-in, no weights)",
            ofDouble("sigma", SoftEdge.DEFAULT_SIGMA, 0.3, 32, "finer Gaussian sigma, pixels"),
            ofDouble("k", SoftEdge.DEFAULT_K, 1.05, 32, "coarser / finer sigma ratio"),
            ofDouble("gain", 1.0, 0.05, 20, "brightness multiplier")) {
        @Override
        Image compute(Image in, Options o) {
            return SoftEdge.dog(in, o.getDouble("sigma"), o.getDouble("k"), o.getDouble("gain"));
        }
    },
    /** Depth image normalised to 0..255 (see {@link DepthMaps#depth}). */
    DEPTH("depth", Input.IMAGE, "depth image (8/16-bit) stretched to 0..255, near = bright",
            ofBoolean("invert", false, "invert (for files where far is bright)")) {
        @Override
        Image compute(Image in, Options o) {
            return DepthMaps.depth(in, o.getBoolean("invert"));
        }
    },
    /** Normal map from a depth image (see {@link DepthMaps#normals}). */
    NORMAL("normal", Input.IMAGE, "normal map from a depth image (8/16-bit), ControlNet v1.0 normal style",
            ofDouble("bg_threshold", DepthMaps.DEFAULT_BG_THRESHOLD, 0, 1, "normalised depth below which the surface is flat"),
            ofDouble("z", DepthMaps.DEFAULT_Z, 0.001, 10000, "z component; larger is flatter")) {
        @Override
        Image compute(Image in, Options o) {
            return DepthMaps.normals(in, o.getDouble("bg_threshold"), o.getDouble("z"));
        }
    },
    /** OpenPose JSON rendered as the ControlNet pose hint (see {@link OpenPose}). */
    OPENPOSE("openpose", Input.POSE_JSON, "OpenPose JSON keypoints drawn as the ControlNet pose skeleton",
            ofInt("width", 0, 0, 16384, "output width; 0 = canvas_width"),
            ofInt("height", 0, 0, 16384, "output height; 0 = canvas_height"),
            ofChoice("coordinates", "auto", List.of("auto", "pixels", "normalized"), "keypoint coordinate units"),
            ofBoolean("hands", true, "draw hand keypoints when given"),
            ofBoolean("face", true, "draw face keypoints when given")) {
        @Override
        Image computeFile(Path in, Options o) {
            return OpenPose.render(OpenPose.read(in), o.getInt("width"), o.getInt("height"),
                    OpenPose.Coordinates.valueOf(o.getChoice("coordinates").toUpperCase(Locale.ROOT)),
                    o.getBoolean("hands"), o.getBoolean("face"));
        }
    },
    /** Label map coloured with the ADE20K palette (see {@link Segmentation}). */
    SEG_ADE20K("seg_ade20k", Input.LABEL_MAP, "label map (8/16-bit PNG of class indices) in ADE20K colours",
            ofBoolean("zero_is_background", false, "labels are 1-based with 0 = unlabelled (ADE20K annotation files)")) {
        @Override
        Image computeFile(Path in, Options o) {
            return Segmentation.colorize(Images.readLabels(in), o.getBoolean("zero_is_background"));
        }
    },
    /** ControlNet v1.1 content shuffle (see {@link Shuffle}). */
    SHUFFLE("shuffle", Input.IMAGE, "content shuffle (random smooth flow warp, seeded)",
            ofInt("seed", 0, 0, Long.MAX_VALUE, "random seed"),
            ofInt("f", Shuffle.DEFAULT_F, 1, 4096, "flow grid cell, pixels")) {
        @Override
        Image compute(Image in, Options o) {
            return Shuffle.shuffle(in, o.getLong("seed"), o.getInt("f")).toRgb();
        }
    },
    /** Downscale-upscale tile hint (see {@link TileBlur#tile}). */
    TILE("tile", Input.IMAGE, "tile hint: shrunk by a factor (area) and enlarged back",
            ofDouble("factor", 2.0, 1.0, 8.0, "downsampling factor; below 1.1 = unchanged")) {
        @Override
        Image compute(Image in, Options o) {
            return TileBlur.tile(in, o.getDouble("factor")).toRgb();
        }
    },
    /** Gaussian blur (see {@link TileBlur#blur}). */
    BLUR("blur", Input.IMAGE, "Gaussian blur",
            ofDouble("sigma", 9.0, 0.01, 64, "Gaussian sigma, pixels")) {
        @Override
        Image compute(Image in, Options o) {
            return TileBlur.blur(in, o.getDouble("sigma")).toRgb();
        }
    },
    /** ControlNet v1.1 inpaint hint, masked pixels -1 (see {@link InpaintMask}). */
    INPAINT("inpaint", Input.IMAGE, "inpaint hint: masked pixels set to -1 (written as transparent)",
            ofFile("mask", "mask image, white = inpaint; default: the input's transparent pixels"),
            ofDouble("mask_blur", 0, 0, 64, "Gaussian sigma applied to the mask before the 0.5 threshold")) {
        @Override
        Image compute(Image in, Options o) {
            Path mask = o.getPath("mask");
            return mask == null ? InpaintMask.hintFromAlpha(in, o.getDouble("mask_blur"))
                    : InpaintMask.hint(in, Images.read(mask), o.getDouble("mask_blur"));
        }
    },
    /** CtrLoRA palette: coarse colour blocks (see {@link ColorPalette#palette}). */
    PALETTE("palette", Input.IMAGE, "colour palette layout (CtrLoRA): bicubic 1/cell, nearest back",
            ofInt("cell", ColorPalette.DEFAULT_CELL, 1, 4096, "downsampling factor")) {
        @Override
        Image compute(Image in, Options o) {
            return ColorPalette.palette(in, o.getInt("cell")).toRgb();
        }
    },
    /** CtrLoRA pixel art (see {@link ColorPalette#pixelate}). */
    PIXEL("pixel", Input.IMAGE, "pixel art (CtrLoRA): downscale, k-means colours, nearest back",
            ofInt("scale", 8, 1, 256, "downscale factor"),
            ofInt("colors", 16, 0, 256, "palette size; 0 = keep colours"),
            ofInt("min_size", 32, 1, 4096, "smallest side of the pixel grid"),
            ofChoice("downsample", "nearest", List.of("nearest", "lanczos4", "area", "cubic", "linear"), "downscaling kernel"),
            ofInt("seed", 0, 0, Long.MAX_VALUE, "k-means seed")) {
        @Override
        Image compute(Image in, Options o) {
            return ColorPalette.pixelate(in, o.getInt("scale"), o.getInt("colors"), o.getInt("min_size"),
                    Interpolation.valueOf(o.getChoice("downsample").toUpperCase(Locale.ROOT)), o.getLong("seed"));
        }
    };

    /** What an annotator reads. */
    public enum Input {
        /** An image file (PNG, JPEG, ...), read with {@link Images#read}. */
        IMAGE,
        /** An OpenPose JSON file. */
        POSE_JSON,
        /** A label-map PNG, read with {@link Images#readLabels}. */
        LABEL_MAP
    }

    private final String id;
    private final Input input;
    private final String description;
    private final List<OptionSpec> specs;

    Annotator(String id, Input input, String description, OptionSpec... specs) {
        this.id = id;
        this.input = input;
        this.description = description;
        this.specs = List.of(specs);
    }

    /** The name used on the command line. */
    public String id() {
        return id;
    }

    /** What the annotator reads. */
    public Input input() {
        return input;
    }

    /** One-line description. */
    public String description() {
        return description;
    }

    /** The options, in help order. */
    public List<OptionSpec> optionSpecs() {
        return specs;
    }

    /**
     * The annotator called {@code name} (case-insensitive; {@code -} and {@code _} alike).
     *
     * @throws IllegalArgumentException listing the known names
     */
    public static Annotator byName(String name) {
        String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT).replace('-', '_');
        for (Annotator a : values()) {
            if (a.id.equals(n)) return a;
        }
        List<String> ids = new ArrayList<>();
        for (Annotator a : values()) ids.add(a.id);
        throw new IllegalArgumentException("unknown annotator '" + name + "'; known: " + String.join(", ", ids));
    }

    /**
     * Validates options given by name (values as strings); absent options take their defaults.
     *
     * @throws IllegalArgumentException for an unknown name or an invalid value, naming the option
     */
    public Options options(Map<String, String> given) {
        Map<String, Object> v = new LinkedHashMap<>();
        for (String k : given.keySet()) {
            if (specs.stream().noneMatch(s -> s.name().equals(k))) {
                List<String> names = specs.stream().map(OptionSpec::name).toList();
                throw new IllegalArgumentException("unknown option '" + k + "' for " + id
                        + (names.isEmpty() ? " (it takes no options)" : "; known: " + String.join(", ", names)));
            }
        }
        for (OptionSpec s : specs) {
            String raw = given.get(s.name());
            if (raw == null) raw = s.defaultValue();
            v.put(s.name(), raw == null ? null : s.parse(id, raw));
        }
        return new Options(id, v);
    }

    /**
     * Runs an image annotator on an image.
     *
     * @throws IllegalArgumentException for invalid options, or when this annotator reads a file
     *                                  kind other than an image ({@link #run(Path, Map)} reads those)
     */
    public Image apply(Image image, Map<String, String> options) {
        if (input != Input.IMAGE) {
            throw new IllegalArgumentException(id + " reads " + (input == Input.POSE_JSON ? "an OpenPose JSON file" : "a label-map PNG")
                    + ", not an image; use run(path, options)");
        }
        return compute(image, options(options));
    }

    /**
     * Reads the input file as this annotator expects (image, pose JSON or label map) and runs it.
     *
     * @throws IllegalArgumentException naming the file when it cannot be read, or for invalid options
     */
    public Image run(Path input, Map<String, String> options) {
        Options o = options(options);
        return this.input == Input.IMAGE ? compute(Images.read(input), o) : computeFile(input, o);
    }

    Image compute(Image in, Options o) {
        throw new IllegalArgumentException(id + " does not take an image");
    }

    Image computeFile(Path in, Options o) {
        return compute(Images.read(in), o);
    }
}
