package io.easel.annotators;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class OpenPoseTest {
    @TempDir Path dir;

    /** 18 keypoints, all absent but neck (1) at (100, 100) and right shoulder (2) at (160, 100). */
    private static String neckAndShoulder(double nx, double ny, double sx, double sy, String extra) {
        StringBuilder k = new StringBuilder();
        for (int i = 0; i < 18; i++) {
            if (k.length() > 0) k.append(',');
            if (i == 1) k.append(nx).append(',').append(ny).append(",0.9");
            else if (i == 2) k.append(sx).append(',').append(sy).append(",0.8");
            else k.append("0,0,0");
        }
        return "{\"canvas_width\":256,\"canvas_height\":200" + extra + ",\"people\":[{\"pose_keypoints_2d\":[" + k + "]}]}";
    }

    @Test
    void twoKeypointLimbIsDrawnWithTheRightColoursAtTheRightPlace() {
        Image im = OpenPose.render(OpenPose.parse(neckAndShoulder(100, 100, 160, 100, ""), "t"), 0, 0,
                OpenPose.Coordinates.AUTO, true, true);
        assertEquals(256, im.width());
        assertEquals(200, im.height());
        int[] limb = {153, 0, 0};   // limb 0 (neck - right shoulder) is red, dimmed to 60%
        int[] neck = {255, 85, 0}, shoulder = {255, 170, 0}, black = {0, 0, 0};
        // ellipse centre (130, 100), half axes 30 x 4
        assertArrayEquals(limb, TestImages.px(im, 130, 100));
        assertArrayEquals(limb, TestImages.px(im, 130, 104));
        assertArrayEquals(limb, TestImages.px(im, 130, 96));
        assertArrayEquals(black, TestImages.px(im, 130, 106));
        assertArrayEquals(black, TestImages.px(im, 130, 94));
        // joints: filled circles of radius 4 at full colour, drawn over the limb
        assertArrayEquals(neck, TestImages.px(im, 100, 100));
        assertArrayEquals(neck, TestImages.px(im, 104, 100));
        assertArrayEquals(neck, TestImages.px(im, 100, 96));
        assertArrayEquals(shoulder, TestImages.px(im, 160, 100));
        assertArrayEquals(shoulder, TestImages.px(im, 158, 103));  // row offset 3 of OpenCV's radius-4 circle spans |dx| <= 2
        assertArrayEquals(limb, TestImages.px(im, 150, 102));      // ellipse half height at dx = 20 is 4 * sqrt(1 - (20/30)^2) = 2.98
        assertArrayEquals(black, TestImages.px(im, 165, 100));
        assertArrayEquals(black, TestImages.px(im, 20, 20));
        // nothing but these colours
        Set<String> colours = new HashSet<>();
        for (int y = 0; y < im.height(); y++)
            for (int x = 0; x < im.width(); x++) colours.add(java.util.Arrays.toString(TestImages.px(im, x, y)));
        assertEquals(Set.of("[0, 0, 0]", "[153, 0, 0]", "[255, 85, 0]", "[255, 170, 0]"), colours);
    }

    @Test
    void jointCircleHasOpenCvShape() {
        Canvas c = new Canvas(11, 11);
        c.circle(5, 5, 4, new int[]{255, 255, 255}, true);
        // cv2.circle(img, (5, 5), 4, 255, -1): half widths per row offset 0..4 are 4, 3, 3, 2, 0
        int[] half = {4, 3, 3, 2, 0};
        for (int y = 0; y < 11; y++) {
            for (int x = 0; x < 11; x++) {
                int dy = Math.abs(y - 5);
                boolean inside = dy <= 4 && Math.abs(x - 5) <= half[dy];
                assertEquals(inside ? 255 : 0, c.rgb[(y * 11 + x) * 3], "pixel " + x + "," + y);
            }
        }
    }

    @Test
    void normalisedAndPixelCoordinatesRenderTheSame() {
        Image px = OpenPose.render(OpenPose.parse(neckAndShoulder(64, 50, 192, 150, ""), "a"), 0, 0,
                OpenPose.Coordinates.AUTO, true, true);
        Image norm = OpenPose.render(OpenPose.parse(neckAndShoulder(0.25, 0.25, 0.75, 0.75, ""), "b"), 0, 0,
                OpenPose.Coordinates.AUTO, true, true);
        assertEquals(px, norm);
    }

    @Test
    void outputSizeScalesPixelCoordinates() {
        Image small = OpenPose.render(OpenPose.parse(neckAndShoulder(100, 100, 160, 100, ""), "a"), 128, 100,
                OpenPose.Coordinates.PIXELS, true, true);
        assertEquals(128, small.width());
        assertArrayEquals(new int[]{255, 85, 0}, TestImages.px(small, 50, 50));
        assertArrayEquals(new int[]{255, 170, 0}, TestImages.px(small, 80, 50));
    }

    @Test
    void body25IsMappedToCoco18() {
        // BODY_25 with only RHip (9) and RKnee (10): COCO 8 and 9, limb 7 (green-cyan {0,255,85})
        StringBuilder k = new StringBuilder();
        for (int i = 0; i < 25; i++) {
            if (k.length() > 0) k.append(',');
            if (i == 9) k.append("50,40,1");
            else if (i == 10) k.append("50,100,1");
            else if (i == 8) k.append("200,40,1"); // MidHip: not part of COCO-18, never drawn
            else k.append("0,0,0");
        }
        OpenPose.Pose pose = OpenPose.parse("{\"canvas_width\":256,\"canvas_height\":128,\"people\":[{\"pose_keypoints_2d\":[" + k + "]}]}", "b25");
        assertEquals(18, pose.people().get(0).body().size());
        Image im = OpenPose.render(pose, 0, 0, OpenPose.Coordinates.AUTO, true, true);
        assertArrayEquals(new int[]{0, 153, 51}, TestImages.px(im, 50, 70));      // limb 7, dimmed
        assertArrayEquals(new int[]{0, 255, 170}, TestImages.px(im, 50, 40));     // joint 8 colour
        assertArrayEquals(new int[]{0, 255, 255}, TestImages.px(im, 50, 100));    // joint 9 colour
        assertArrayEquals(new int[]{0, 0, 0}, TestImages.px(im, 200, 40));
    }

    @Test
    void handsAndFaceAreDrawnWhenAskedFor() {
        StringBuilder hand = new StringBuilder();
        for (int i = 0; i < 21; i++) hand.append(i == 0 ? "" : ",").append(i <= 1 ? (i == 0 ? "30,30,1" : "60,30,1") : "0,0,0");
        String json = "{\"canvas_width\":100,\"canvas_height\":100,\"people\":[{\"pose_keypoints_2d\":[],"
                + "\"hand_left_keypoints_2d\":[" + hand + "],\"face_keypoints_2d\":[80,80,1]}]}";
        OpenPose.Pose pose = OpenPose.parse(json, "h");
        Image with = OpenPose.render(pose, 0, 0, OpenPose.Coordinates.PIXELS, true, true);
        assertArrayEquals(new int[]{255, 0, 0}, TestImages.px(with, 45, 30));   // bone 0: hue 0, red, 2 px thick
        assertArrayEquals(new int[]{0, 0, 255}, TestImages.px(with, 30, 30));   // hand joints blue
        assertArrayEquals(new int[]{255, 255, 255}, TestImages.px(with, 80, 80)); // face landmark white
        Image without = OpenPose.render(pose, 0, 0, OpenPose.Coordinates.PIXELS, false, false);
        assertEquals(Image.blank(100, 100, 3), without);
    }

    @Test
    void badFilesAreNamedInTheError() throws Exception {
        Path p = dir.resolve("pose.json");
        Files.writeString(p, "{\"people\":[{\"pose_keypoints_2d\":[1,2,1,3,4,1]}]}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OpenPose.read(p));
        assertTrue(e.getMessage().contains(p.toString()) && e.getMessage().contains("expected 18"), e.getMessage());
        Files.writeString(p, "{not json");
        e = assertThrows(IllegalArgumentException.class, () -> OpenPose.read(p));
        assertTrue(e.getMessage().contains(p.toString()), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> OpenPose.read(dir.resolve("missing.json")));
        assertTrue(e.getMessage().contains("missing.json"), e.getMessage());
        // pixel coordinates without any size
        Files.writeString(p, neckAndShoulder(100, 100, 160, 100, "").replace("\"canvas_width\":256,\"canvas_height\":200,", ""));
        e = assertThrows(IllegalArgumentException.class, () -> Annotator.OPENPOSE.run(p, Map.of()));
        assertTrue(e.getMessage().contains("width"), e.getMessage());
        assertEquals(64, Annotator.OPENPOSE.run(p, Map.of("width", "64", "height", "48")).width());
    }
}
