package io.easel.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** A run killed with SIGKILL resumes from its last checkpoint and ends exactly where an uninterrupted run ends. */
class KillResumeTest {
    @TempDir Path tmp;

    @Test
    void killedRunResumesExactly() throws Exception {
        Path killed = tmp.resolve("killed"), straight = tmp.resolve("straight");
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Dorg.bytedeco.javacpp.maxBytes=0");
        cmd.add("-Dorg.bytedeco.javacpp.maxPhysicalBytes=0");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(KillableRun.class.getName());
        cmd.add(killed.toString());
        cmd.add(Integer.toString(org.bytedeco.pytorch.global.torch.get_num_threads()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve("child.log").toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
            while (TrainCheckpoint.latest(killed) == null || TrainCheckpoint.stepOf(TrainCheckpoint.latest(killed)) < 2) {
                assertTrue(p.isAlive(), () -> "child ended early: " + read(tmp.resolve("child.log")));
                assertTrue(System.nanoTime() < deadline, "no checkpoint-2 within 5 minutes");
                Thread.sleep(20);
            }
        } finally {
            p.destroyForcibly(); // SIGKILL on Unix: no shutdown hooks, no cleanup
            p.waitFor(1, TimeUnit.MINUTES);
        }
        long at = TrainCheckpoint.stepOf(TrainCheckpoint.latest(killed));
        assertTrue(at >= 2 && at < 6, "killed after step " + at);

        try (Trainer<Tiny.Batch> t = Tiny.trainer(killed, Tiny.unet(5), Tiny.config(killed).checkpointEvery(1).build())) {
            Trainer.Result r = t.run();
            assertTrue(r.resumed());
            assertEquals(6, r.steps());
        }
        try (Trainer<Tiny.Batch> t = Tiny.trainer(straight, Tiny.unet(1), Tiny.config(straight).checkpointEvery(1).build())) {
            t.run();
        }
        for (String f : List.of("unet/diffusion_pytorch_model.safetensors", "optimizer.safetensors"))
            assertArrayEquals(Files.readAllBytes(straight.resolve("checkpoint-6").resolve(f)), Files.readAllBytes(killed.resolve("checkpoint-6").resolve(f)), f);
        List<StepRecord> a = TrainingLog.read(straight.resolve("train_log.jsonl")), b = TrainingLog.read(killed.resolve("train_log.jsonl"));
        assertEquals(6, b.size(), "no step lost or repeated in the log");
        for (int i = 0; i < 6; i++) {
            assertEquals(i + 1, b.get(i).step());
            assertEquals(a.get(i).loss(), b.get(i).loss(), 0.0);
        }
        try (var s = Files.list(killed)) {
            assertTrue(s.noneMatch(q -> q.getFileName().toString().endsWith(".partial")), "half-written checkpoints are cleaned up");
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (Exception e) {
            return "";
        }
    }
}
