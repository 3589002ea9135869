package io.easel.api;

import io.easel.annotators.Image;
import io.easel.annotators.Images;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageOutputStream;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;

/** PNG output with text chunks (A1111's {@code parameters} convention), written atomically. */
public final class PngFiles {
    private PngFiles() {}

    /** Writes {@code image} with tEXt chunks; the file appears only once complete. */
    public static void write(Image image, Path path, Map<String, String> text) {
        BufferedImage bi = Images.toBuffered(image);
        Path tmp = path.resolveSibling("." + path.getFileName() + ".partial");
        try {
            if (path.getParent() != null) Files.createDirectories(path.getParent());
            ImageWriter w = ImageIO.getImageWritersByFormatName("png").next();
            ImageWriteParam param = w.getDefaultWriteParam();
            IIOMetadata meta = w.getDefaultImageMetadata(ImageTypeSpecifier.createFromRenderedImage(bi), param);
            if (text != null && !text.isEmpty()) {
                IIOMetadataNode root = new IIOMetadataNode("javax_imageio_png_1.0");
                IIOMetadataNode t = new IIOMetadataNode("tEXt");
                for (Map.Entry<String, String> e : text.entrySet()) {
                    IIOMetadataNode entry = new IIOMetadataNode("tEXtEntry");
                    entry.setAttribute("keyword", e.getKey());
                    entry.setAttribute("value", e.getValue());
                    t.appendChild(entry);
                }
                root.appendChild(t);
                meta.mergeTree("javax_imageio_png_1.0", root);
            }
            try (ImageOutputStream out = ImageIO.createImageOutputStream(tmp.toFile())) {
                w.setOutput(out);
                w.write(null, new IIOImage(bi, null, meta), param);
            } finally {
                w.dispose();
            }
            Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            try { Files.deleteIfExists(tmp); } catch (IOException ignored) { }
            throw new IllegalArgumentException(path + ": cannot write (" + e.getMessage() + ")", e);
        }
    }

    /** The tEXt chunks of a PNG file. */
    public static Map<String, String> readText(Path path) {
        Map<String, String> out = new LinkedHashMap<>();
        try (var in = ImageIO.createImageInputStream(path.toFile())) {
            var readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) throw new IllegalArgumentException(path + ": not an image");
            var r = readers.next();
            r.setInput(in);
            IIOMetadata meta = r.getImageMetadata(0);
            var root = (IIOMetadataNode) meta.getAsTree("javax_imageio_png_1.0");
            var entries = root.getElementsByTagName("tEXtEntry");
            for (int i = 0; i < entries.getLength(); i++) {
                var e = (IIOMetadataNode) entries.item(i);
                out.put(e.getAttribute("keyword"), e.getAttribute("value"));
            }
            r.dispose();
        } catch (IOException e) {
            throw new IllegalArgumentException(path + ": cannot read (" + e.getMessage() + ")", e);
        }
        return out;
    }
}
