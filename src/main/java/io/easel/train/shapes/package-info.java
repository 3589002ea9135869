/**
 * The shapes world: a deterministic procedural world with exact ground truth, used to train
 * Easel's small default models and to measure them (issue #9 items 4 and 6, and the data side of
 * items 2 and 6).
 *
 * <ul>
 *   <li>{@link io.easel.train.shapes.ShapesWorld}: scene sampler and exact renderer (1 to 3 of
 *       circle, square, triangle, star, ring and an OpenPose-jointed stick figure; 8 named
 *       colours; small or large; plain, gradient or striped backgrounds), with a style twin per
 *       scene;</li>
 *   <li>{@link io.easel.train.shapes.Captions}: the caption grammar, written and parsed;</li>
 *   <li>{@link io.easel.train.shapes.ConditionKind}: the exact condition maps (Canny, segmentation
 *       colours and raw labels, depth, scribble, pose, alpha, background, style);</li>
 *   <li>{@link io.easel.train.shapes.ShapesDataset}: {@code easel dataset shapes --count N --seed S OUT},
 *       both pair layouts, a held-out split, byte-identical output for the same seed;</li>
 *   <li>{@link io.easel.train.shapes.SceneJson}: the structured truth per scene;</li>
 *   <li>{@link io.easel.train.shapes.ShapesMetrics}: colour, shape and relation accuracy, edge F1,
 *       segmentation IoU and pose adherence, from images and the truth.</li>
 * </ul>
 *
 * <p>Use from code (the CLI maps its flags onto the options):
 * <pre>{@code
 * ShapesDataset.Options opts = ShapesDataset.Options.defaults()       // 64x64, all conditions
 *         .withWorld(ShapesWorld.Options.defaults().withSize(128))     // --size 128
 *         .withHoldout(200)                                            // --holdout 200
 *         .withPromptCondition(ConditionKind.POSE);                    // --condition pose (prompt.json)
 * ShapesDataset.generate(Path.of("data/shapes"), 10_000, 1L, opts,
 *         (split, done, total) -> System.err.print("\r" + split + " " + done + "/" + total));
 *
 * ShapesMetrics.Report r = ShapesMetrics.evaluate(generatedImages,
 *         ShapesDataset.readScenes(Path.of("data/shapes/holdout/scenes.jsonl")).stream()
 *                 .map(SceneJson.Entry::scene).toList());
 * }</pre>
 */
package io.easel.train.shapes;
