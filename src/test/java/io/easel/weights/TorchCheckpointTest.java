package io.easel.weights;

import io.easel.tensor.T;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class TorchCheckpointTest {
    @TempDir Path dir;

    // ---- the golden ControlNet written by torch.save -------------------------------------------

    private static Path goldenModels() {
        String g = System.getProperty("easel.golden");
        assumeTrue(g != null && Files.isDirectory(Path.of(g, "models")), "golden data not available");
        return Path.of(g, "models");
    }

    @Test
    void readsTheGoldenControlNetWrittenByTorchSave() {
        Path models = goldenModels();
        Path b = models.resolve("tiny-controlnet-b.pth");
        assertTrue(TorchCheckpoint.looksLikeTorchZip(b));
        assertFalse(TorchCheckpoint.looksLikeTorchZip(models.resolve("tiny-controlnet-a.safetensors")));
        try (TorchCheckpoint ck = TorchCheckpoint.open(b);
             SafeTensors a = SafeTensors.open(models.resolve("tiny-controlnet-a.safetensors"))) {
            assertEquals(338, ck.infos().size());
            assertEquals(Optional.empty(), ck.rootEntry());
            assertEquals(0, ck.ignoredCount());
            TensorInfo first = ck.infos().get("control_model.input_blocks.0.0.weight");
            assertEquals("F16", first.dtype());
            assertArrayEquals(new long[]{32, 4, 3, 3}, first.shape());
            // Same ControlNet topology as controlnet-a (bare v1.1 keys) except b's smaller hint network.
            Set<String> smallerHint = Set.of("8.weight", "8.bias", "10.weight", "10.bias", "12.weight", "12.bias", "14.weight");
            for (TensorInfo ai : a.infos().values()) {
                TensorInfo bi = ck.infos().get("control_model." + ai.key());
                assertNotNull(bi, ai.key());
                boolean hint = ai.key().startsWith("input_hint_block.") && smallerHint.contains(ai.key().substring("input_hint_block.".length()));
                if (!hint) assertArrayEquals(ai.shape(), bi.shape(), ai.key());
                else assertFalse(Arrays.equals(ai.shape(), bi.shape()), ai.key());
            }
            assertArrayEquals(new long[]{32, 64, 3, 3}, ck.infos().get("control_model.input_hint_block.14.weight").shape());
            for (String k : ck.infos().keySet()) {
                Tensor t = ck.load(k);
                assertEquals(ScalarType.Half, T.dtype(t), k);
                assertArrayEquals(ck.infos().get(k).shape(), T.shape(t), k);
                for (float x : T.toFloats(t)) assertTrue(Float.isFinite(x) && Math.abs(x) < 10, k + " holds " + x);
            }
            // the first bytes of data/0, decoded independently with Python's struct '<e'
            float[] w = T.toFloats(ck.load("control_model.input_blocks.0.0.weight"));
            assertArrayEquals(new float[]{0.0653076171875f, 0.0122222900390625f, -0.0007457733154296875f,
                -0.00891876220703125f, -0.00981903076171875f, 0.10003662109375f}, Arrays.copyOf(w, 6));
            assertTrue(T.maxAbs(ck.load("control_model.input_blocks.0.0.weight")) > 0.1);
        }
    }

    @Test
    void truncatedZipIsRefusedNamingTheFile() throws Exception {
        byte[] whole = Files.readAllBytes(goldenModels().resolve("tiny-controlnet-b.pth"));
        Path cut = dir.resolve("cut.pth");
        Files.write(cut, Arrays.copyOf(whole, whole.length * 3 / 5));
        WeightsException e = assertThrows(WeightsException.class, () -> TorchCheckpoint.open(cut));
        assertTrue(e.getMessage().startsWith(cut + ": ") && e.getMessage().contains("truncated"), e.getMessage());
    }

    // ---- a hand-built checkpoint: dtypes, offsets, strides, the Lightning wrapper -------------------

    private static final float[] F32 = new float[12];
    static { for (int i = 0; i < 12; i++) F32[i] = i * 0.25f - 1; }
    private static final float[] F16 = {1, -2, 0.5f, 1.5f, 3};
    private static final float[] BF16 = {0.5f, -1.25f, 2, 40};

    /** {"epoch": 3, "global_step": 42, "state_dict": {...}, "optimizer_states": [...], "hyper_parameters": {...}} */
    private static byte[] lightningPickle() {
        P p = new P().proto(2).emptyDict().put(0).mark();
        p.str("epoch").i(3).str("global_step").i(42);
        p.str("state_dict").global("collections", "OrderedDict").put(1).emptyTuple().reduce().mark();
        p.str("model.a.weight").tensor("FloatStorage", "0", 12, 0, new long[]{2, 3}, new long[]{3, 1});
        p.str("model.a.weightT").tensor("FloatStorage", "0", 12, 0, new long[]{3, 2}, new long[]{1, 3});
        p.str("model.b.weight").global("torch._utils", "_rebuild_parameter")
            .tensor("FloatStorage", "0", 12, 6, new long[]{2, 3}, new long[]{3, 1})
            .t().emptyDictViaOrdered().tuple3().reduce();
        p.str("model.h").tensor("HalfStorage", "1", 5, 2, new long[]{3}, new long[]{1});
        p.str("version").i(1);
        p.str("ema").emptyDict().str("bf").tensor("BFloat16Storage", "2", 4, 0, new long[]{2, 2}, new long[]{2, 1}).setitem();
        p.str("ids").tensor("LongStorage", "4", 2, 0, new long[]{2}, new long[]{1});
        p.setitems();
        // tensors outside state_dict are not loaded, so their storage ('3') need not even be present
        p.str("optimizer_states").emptyList().emptyDict().str("state").emptyDict().i(0).emptyDict()
            .str("exp_avg").tensor("FloatStorage", "3", 2, 0, new long[]{2}, new long[]{1})
            .setitem().setitem().setitem().append();
        p.str("hyper_parameters").emptyDict().str("lr").f64(1e-4).setitem();
        return p.setitems().stop().bytes();
    }

    private Map<String, byte[]> lightningEntries() {
        Map<String, byte[]> z = new LinkedHashMap<>();
        z.put("ck/data.pkl", lightningPickle());
        z.put("ck/byteorder", "little".getBytes(StandardCharsets.US_ASCII));
        z.put("ck/data/0", raw(T.fromFloats(F32, 12)));
        z.put("ck/data/1", raw(T.fromFloats(F16, 5).to(ScalarType.Half)));
        z.put("ck/data/2", raw(T.fromFloats(BF16, 4).to(ScalarType.BFloat16)));
        z.put("ck/data/4", raw(T.fromLongs(new long[]{7, 8}, 2)));
        z.put("ck/version", "3\n".getBytes(StandardCharsets.US_ASCII));
        return z;
    }

    @Test
    void handBuiltLightningCheckpointRoundTripsExactly() throws Exception {
        Path f = dir.resolve("model.ckpt");
        writeZip(f, lightningEntries(), Set.of("ck/data/1")); // one storage deflated: read into memory
        assertTrue(TorchCheckpoint.looksLikeTorchZip(f));
        try (TorchCheckpoint ck = TorchCheckpoint.open(f)) {
            assertEquals(List.of("model.a.weight", "model.a.weightT", "model.b.weight", "model.h", "ema.bf", "ids"),
                List.copyOf(ck.infos().keySet()));
            assertEquals(Optional.of("state_dict"), ck.rootEntry());
            assertEquals(1, ck.ignoredCount()); // "version"
            assertEquals("F32", ck.infos().get("model.a.weightT").dtype());
            assertEquals("F16", ck.infos().get("model.h").dtype());
            assertEquals("BF16", ck.infos().get("ema.bf").dtype());
            assertEquals("I64", ck.infos().get("ids").dtype());
            assertArrayEquals(new long[]{3, 2}, ck.infos().get("model.a.weightT").shape());

            assertArrayEquals(Arrays.copyOfRange(F32, 0, 6), T.toFloats(ck.load("model.a.weight")));
            Tensor tr = ck.load("model.a.weightT");
            assertFalse(tr.is_contiguous());
            assertArrayEquals(new float[]{F32[0], F32[3], F32[1], F32[4], F32[2], F32[5]}, T.toFloats(tr));
            assertArrayEquals(Arrays.copyOfRange(F32, 6, 12), T.toFloats(ck.load("model.b.weight")));
            Tensor h = ck.load("model.h");
            assertEquals(ScalarType.Half, T.dtype(h));
            assertArrayEquals(new float[]{0.5f, 1.5f, 3}, T.toFloats(h));
            Tensor bf = ck.load("ema.bf");
            assertEquals(ScalarType.BFloat16, T.dtype(bf));
            assertArrayEquals(new long[]{2, 2}, T.shape(bf));
            assertArrayEquals(BF16, T.toFloats(bf));
            assertArrayEquals(new float[]{7, 8}, T.toFloats(ck.load("ids")));
            WeightsException e = assertThrows(WeightsException.class, () -> ck.load("nope"));
            assertTrue(e.getMessage().contains("'nope'"), e.getMessage());
        }
    }

    @Test
    void missingStorageEntryNamesFileTensorAndEntry() throws Exception {
        Map<String, byte[]> z = lightningEntries();
        z.remove("ck/data/2");
        Path f = dir.resolve("broken.ckpt");
        writeZip(f, z, Set.of());
        WeightsException e = assertThrows(WeightsException.class, () -> TorchCheckpoint.open(f));
        assertTrue(e.getMessage().startsWith(f + ": ") && e.getMessage().contains("'ema.bf'")
            && e.getMessage().contains("ck/data/2"), e.getMessage());
    }

    @Test
    void shortStorageEntryIsRefused() throws Exception {
        Map<String, byte[]> z = lightningEntries();
        z.put("ck/data/0", Arrays.copyOf(z.get("ck/data/0"), 20));
        Path f = dir.resolve("short.ckpt");
        writeZip(f, z, Set.of());
        WeightsException e = assertThrows(WeightsException.class, () -> TorchCheckpoint.open(f));
        assertTrue(e.getMessage().contains("'model.a.weight'") && e.getMessage().contains("ck/data/0"), e.getMessage());
    }

    @Test
    void bigEndianArchivesAreSwapped() throws Exception {
        byte[] pkl = new P().proto(2).emptyDict().mark()
            .str("w").tensor("FloatStorage", "0", 3, 0, new long[]{3}, new long[]{1})
            .str("h").tensor("HalfStorage", "1", 2, 0, new long[]{2}, new long[]{1})
            .setitems().stop().bytes();
        Map<String, byte[]> z = new LinkedHashMap<>();
        z.put("be/data.pkl", pkl);
        z.put("be/byteorder", "big".getBytes(StandardCharsets.US_ASCII));
        z.put("be/data/0", swap(raw(T.fromFloats(new float[]{1.5f, -2, 1e-3f}, 3)), 4));
        z.put("be/data/1", swap(raw(T.fromFloats(new float[]{0.25f, -8}, 2).to(ScalarType.Half)), 2));
        Path f = dir.resolve("be.pt");
        writeZip(f, z, Set.of());
        try (TorchCheckpoint ck = TorchCheckpoint.open(f)) {
            assertArrayEquals(new float[]{1.5f, -2, 1e-3f}, T.toFloats(ck.load("w")));
            assertArrayEquals(new float[]{0.25f, -8}, T.toFloats(ck.load("h")));
        }
    }

    @Test
    void zip64ArchivesWithAlignedRecordsAreMapped() throws Exception {
        // what torch writes for files over 4 GB: ZIP64 sizes and offsets, records padded to 64 bytes
        Path f = dir.resolve("big.ckpt");
        writeZip64(f, lightningEntries());
        try (TorchCheckpoint ck = TorchCheckpoint.open(f)) {
            assertEquals(6, ck.infos().size());
            assertArrayEquals(new float[]{F32[0], F32[3], F32[1], F32[4], F32[2], F32[5]}, T.toFloats(ck.load("model.a.weightT")));
            assertArrayEquals(Arrays.copyOfRange(F32, 6, 12), T.toFloats(ck.load("model.b.weight")));
            assertArrayEquals(BF16, T.toFloats(ck.load("ema.bf")));
        }
    }

    @Test
    void lightningCallbackStateIsSkippedNotRefused() throws Exception {
        // sd-v1-x.ckpt style: "callbacks" keyed by the ModelCheckpoint class, holding a numpy scalar
        P p = new P().proto(2).emptyDict().mark();
        p.str("callbacks").emptyDict().global("pytorch_lightning.callbacks.model_checkpoint", "ModelCheckpoint").emptyDict()
            .str("best_model_score").global("numpy.core.multiarray", "scalar")
            .global("numpy", "dtype").str("f8").f().t().tuple3().reduce()
            .mark().i(3).str("<").none().none().none().i(-1).i(-1).i(0).tuple().op('b')
            .global("_codecs", "encode").str("\u0000\u0000\u0000\u0000\u0000\u0000\u00f0?").str("latin1").tuple2().reduce()
            .tuple2().reduce().setitem().setitem();
        p.str("pytorch-lightning_version").str("1.4.2");
        p.str("state_dict").emptyDict().str("w").tensor("FloatStorage", "0", 2, 0, new long[]{2}, new long[]{1}).setitem();
        byte[] pkl = p.setitems().stop().bytes();
        Path f = dir.resolve("sd.ckpt");
        writeZip(f, Map.of("archive/data.pkl", pkl, "archive/data/0", raw(T.fromFloats(new float[]{3, 4}, 2))), Set.of());
        try (TorchCheckpoint ck = TorchCheckpoint.open(f)) {
            assertEquals(Set.of("w"), ck.infos().keySet());
            assertArrayEquals(new float[]{3, 4}, T.toFloats(ck.load("w")));
        }
    }

    // ---- pickles written by CPython (fake torch modules), protocols 2, 4 and 5 -----------------

    @Test
    void readsPicklesWrittenByCPython() throws Exception {
        for (String hex : List.of(CPYTHON_P2, CPYTHON_P4, CPYTHON_P5)) {
            byte[] pkl = HexFormat.of().parseHex(hex);
            Object top = SafeUnpickler.load("fixture", SafeUnpickler.bytes(pkl),
                pid -> new SafeUnpickler.Storage((String) ((SafeUnpickler.Tuple) pid).get(2), "F32", 6, 0, "cpu"));
            Map<?, ?> m = (Map<?, ?>) top;
            assertEquals(123456789012L, m.get("global_step"));
            assertEquals(1.5e-4, m.get("lr"));
            assertEquals(-7L, m.get("neg"));
            assertEquals(BigInteger.TWO.pow(70), m.get("big"));
            assertEquals("h\u00e9llo \u2713", m.get("name"));
            assertArrayEquals(new byte[]{0, (byte) 0xFF, 'a', 'b'}, (byte[]) m.get("raw"));
            assertEquals(Set.of(1L, 2L), m.get("flags"));
            assertTrue(m.containsKey("nothing") && m.get("nothing") == null);
            assertEquals(Boolean.TRUE, m.get("ok"));
            assertEquals(new SafeUnpickler.Tuple(List.of(1L, new SafeUnpickler.Tuple(List.of(2L, 3L)))), m.get("shape"));
            assertEquals(List.of(1L, 2.5, "x"), m.get("items"));
            Map<?, ?> sd = (Map<?, ?>) m.get("state_dict");
            SafeUnpickler.TensorRef t = (SafeUnpickler.TensorRef) sd.get("layer.t");
            assertEquals(1, t.offset());
            assertArrayEquals(new long[]{1, 3}, t.stride());

            Map<String, byte[]> z = new LinkedHashMap<>();
            z.put("archive/data.pkl", pkl);
            z.put("archive/data/0", raw(T.fromFloats(new float[]{0, 1, 2, 3, 4, 5}, 6)));
            z.put("archive/data/1", raw(T.fromFloats(new float[]{-1, 0.5f, 2, 1024}, 4).to(ScalarType.Half)));
            Path f = dir.resolve("cpython.pt");
            writeZip(f, z, Set.of());
            try (TorchCheckpoint ck = TorchCheckpoint.open(f)) {
                assertEquals(List.of("layer.weight", "layer.t", "half"), List.copyOf(ck.infos().keySet()));
                assertArrayEquals(new float[]{0, 1, 2, 3, 4, 5}, T.toFloats(ck.load("layer.weight")));
                assertArrayEquals(new float[]{1, 4, 2, 5}, T.toFloats(ck.load("layer.t")));
                assertArrayEquals(new float[]{-1, 0.5f, 2, 1024}, T.toFloats(ck.load("half")));
            }
        }
    }

    // ---- malicious pickles: refused by name, nothing runs ---------------------------------------

    private Path marker() { return dir.resolve("pwned"); }

    private void assertRefused(byte[] pkl, String global) throws IOException {
        Map<String, byte[]> z = new LinkedHashMap<>();
        z.put("evil/data.pkl", pkl);
        z.put("evil/data/0", raw(T.fromFloats(new float[]{1, 2}, 2)));
        Path f = dir.resolve("evil.pth");
        writeZip(f, z, Set.of());
        WeightsException e = assertThrows(WeightsException.class, () -> TorchCheckpoint.open(f));
        assertEquals(f + ": refuses to load: the pickle references " + global + "; only tensors and plain containers are allowed", e.getMessage());
        assertFalse(Files.exists(marker()), "the payload ran");
    }

    @Test
    void refusesPosixSystem() throws Exception {
        assertRefused(new P().proto(2).global("posix", "system").str("touch " + marker()).tuple1().reduce().stop().bytes(), "posix.system");
    }

    @Test
    void refusesBuiltinsEval() throws Exception {
        String code = "open('" + marker() + "', 'w').close()";
        assertRefused(new P().proto(2).global("builtins", "eval").str(code).tuple1().reduce().stop().bytes(), "builtins.eval");
    }

    @Test
    void refusesOsSystemViaStackGlobal() throws Exception {
        byte[] pkl = new P().proto(4).frame(40).shortStr("os").memoize().shortStr("system").memoize().stackGlobal().memoize()
            .shortStr("touch " + marker()).tuple1().reduce().stop().bytes();
        assertRefused(pkl, "os.system");
    }

    @Test
    void refusesAPayloadNestedInsideAStateDict() throws Exception {
        P p = new P().proto(2).emptyDict().str("state_dict").emptyDict().mark()
            .str("w").tensor("FloatStorage", "0", 2, 0, new long[]{2}, new long[]{1})
            .str("x").global("subprocess", "Popen").mark().str("touch").str(marker().toString()).list().tuple1().reduce()
            .setitems().setitem().stop();
        assertRefused(p.bytes(), "subprocess.Popen");
    }

    @Test
    void refusesExecViaProtocol0Inst() throws Exception {
        // INST: module and name on lines, arguments since the MARK
        byte[] pkl = new P().mark().str("import os; os.system('touch " + marker() + "')").op('i').ascii("__builtin__\nexec\n").stop().bytes();
        assertRefused(pkl, "__builtin__.exec");
    }

    @Test
    void refusesUnlistedTorchFunctions() throws Exception {
        assertRefused(new P().proto(2).global("torch", "load").str(marker().toString()).tuple1().reduce().stop().bytes(), "torch.load");
        assertRefused(new P().proto(2).global("torch._utils", "_rebuild_device_tensor_from_numpy").emptyTuple().reduce().stop().bytes(),
            "torch._utils._rebuild_device_tensor_from_numpy");
    }

    @Test
    void refusesCallingAnAllowedNonCallable() throws Exception {
        byte[] pkl = new P().proto(2).global("torch", "FloatStorage").i(4).tuple1().reduce().stop().bytes();
        Map<String, byte[]> z = Map.of("a/data.pkl", pkl);
        Path f = dir.resolve("call.pt");
        writeZip(f, z, Set.of());
        WeightsException e = assertThrows(WeightsException.class, () -> TorchCheckpoint.open(f));
        assertTrue(e.getMessage().startsWith(f + ": ") && e.getMessage().contains("torch.FloatStorage"), e.getMessage());
    }

    @Test
    void refusesExtensionRegistry() throws Exception {
        byte[] pkl = new P().proto(2).op(0x82).op(1).stop().bytes();
        Path f = dir.resolve("ext.pt");
        writeZip(f, Map.of("a/data.pkl", pkl), Set.of());
        WeightsException e = assertThrows(WeightsException.class, () -> TorchCheckpoint.open(f));
        assertTrue(e.getMessage().contains("refuses to load") && e.getMessage().contains("extension registry"), e.getMessage());
    }

    @Test
    void refusesMalformedPickles() throws Exception {
        for (byte[] pkl : List.of(
                new P().proto(2).emptyDict().bytes(),                         // no STOP
                new P().proto(2).op('h').op(9).stop().bytes(),                // memo never stored
                new P().proto(2).setitem().stop().bytes(),                    // stack underflow
                new P().proto(2).op('X').ascii("\u00ff\u00ff\u00ff\u007f").stop().bytes())) { // length past the end
            Path f = dir.resolve("bad.pt");
            writeZip(f, Map.of("a/data.pkl", pkl), Set.of());
            WeightsException e = assertThrows(WeightsException.class, () -> TorchCheckpoint.open(f));
            assertTrue(e.getMessage().startsWith(f + ": "), e.getMessage());
        }
    }

    @Test
    void refusesSelfReferencingDicts() throws Exception {
        byte[] pkl = new P().proto(2).emptyDict().put(0).str("me").get(0).setitem().stop().bytes();
        Path f = dir.resolve("loop.pt");
        writeZip(f, Map.of("a/data.pkl", pkl), Set.of());
        WeightsException e = assertThrows(WeightsException.class, () -> TorchCheckpoint.open(f));
        assertTrue(e.getMessage().contains("contains itself"), e.getMessage());
    }

    // ---- other formats -------------------------------------------------------------------------

    @Test
    void refusesTorchScriptArchives() throws Exception {
        Map<String, byte[]> z = new LinkedHashMap<>();
        z.put("m/data.pkl", new P().proto(2).emptyDict().stop().bytes());
        z.put("m/constants.pkl", new P().proto(2).emptyTuple().stop().bytes());
        z.put("m/code/__torch__/m.py", "def forward(self): ...".getBytes(StandardCharsets.UTF_8));
        Path f = dir.resolve("scripted.pt");
        writeZip(f, z, Set.of());
        WeightsException e = assertThrows(WeightsException.class, () -> TorchCheckpoint.open(f));
        assertTrue(e.getMessage().startsWith(f + ": ") && e.getMessage().contains("TorchScript"), e.getMessage());
    }

    @Test
    void refusesFilesThatAreNotCheckpoints() throws Exception {
        Path f = dir.resolve("notes.bin");
        Files.writeString(f, "hello, not a checkpoint");
        assertFalse(TorchCheckpoint.looksLikeTorchZip(f));
        WeightsException e = assertThrows(WeightsException.class, () -> TorchCheckpoint.open(f));
        assertTrue(e.getMessage().startsWith(f + ": is not a PyTorch checkpoint"), e.getMessage());
        Path other = dir.resolve("other.zip");
        writeZip(other, Map.of("readme.txt", "hi".getBytes(StandardCharsets.US_ASCII)), Set.of());
        e = assertThrows(WeightsException.class, () -> TorchCheckpoint.open(other));
        assertTrue(e.getMessage().contains("no <archive>/data.pkl"), e.getMessage());
        e = assertThrows(WeightsException.class, () -> TorchCheckpoint.open(dir.resolve("absent.pt")));
        assertTrue(e.getMessage().endsWith("absent.pt: no such file"), e.getMessage());
    }

    @Test
    void readsLegacyTorchSaveFiles() throws Exception {
        // torch < 1.6: magic, protocol, sys info, the object, the storage keys, then raw storages
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.write(new P().proto(2).op(0x8a).op(10).hex("6cfc9c46f9206aa85019").stop().bytes());
        o.write(new P().proto(2).i(1001).stop().bytes());
        o.write(new P().proto(2).emptyDict().mark().str("protocol_version").i(1001).str("little_endian").t()
            .str("type_sizes").emptyDict().str("int").i(4).setitem().setitems().stop().bytes());
        P p = new P().proto(2).global("collections", "OrderedDict").emptyTuple().reduce().mark();
        p.str("w").global("torch._utils", "_rebuild_tensor_v2").mark()
            .mark().str("storage").global("torch", "FloatStorage").str("140").str("cpu").i(6).none().tuple().binpersid()
            .i(0).i(2).i(3).tuple2().i(3).i(1).tuple2().f().global("collections", "OrderedDict").emptyTuple().reduce()
            .tuple().reduce();
        // a tensor on a storage view: elements 2..4 of the same root storage
        p.str("v").global("torch._utils", "_rebuild_tensor").mark()
            .mark().str("storage").global("torch", "FloatStorage").str("140").str("cpu").i(6)
            .str("141").i(2).i(3).tuple3().tuple().binpersid()
            .i(1).i(2).tuple1().i(1).tuple1().tuple().reduce();
        o.write(p.setitems().stop().bytes());
        o.write(new P().proto(2).mark().str("140").list().stop().bytes());
        o.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(6).array());
        o.write(raw(T.fromFloats(new float[]{10, 11, 12, 13, 14, 15}, 6)));
        Path f = dir.resolve("old.pth");
        Files.write(f, o.toByteArray());
        assertFalse(TorchCheckpoint.looksLikeTorchZip(f));
        assertTrue(TorchCheckpoint.looksLikeTorch(f));
        try (TorchCheckpoint ck = TorchCheckpoint.open(f)) {
            assertEquals(List.of("w", "v"), List.copyOf(ck.infos().keySet()));
            assertArrayEquals(new float[]{10, 11, 12, 13, 14, 15}, T.toFloats(ck.load("w")));
            assertArrayEquals(new float[]{13, 14}, T.toFloats(ck.load("v")));
        }
        // cut inside the raw storage
        Path cut = dir.resolve("old-cut.pth");
        Files.write(cut, Arrays.copyOf(o.toByteArray(), o.size() - 5));
        WeightsException e = assertThrows(WeightsException.class, () -> TorchCheckpoint.open(cut));
        assertTrue(e.getMessage().contains("'140'") && e.getMessage().contains("truncated"), e.getMessage());
    }

    // ---- helpers ---------------------------------------------------------------------------------

    static byte[] raw(Tensor t) {
        Tensor c = t.contiguous();
        byte[] b = new byte[Math.toIntExact(c.numel() * c.element_size())];
        new BytePointer(c.data_ptr()).capacity(b.length).get(b);
        return b;
    }

    static byte[] swap(byte[] b, int es) {
        byte[] r = new byte[b.length];
        for (int i = 0; i < b.length; i += es) for (int j = 0; j < es; j++) r[i + j] = b[i + es - 1 - j];
        return r;
    }

    /** A zip as torch writes it: STORED entries (except those named in {@code deflated}). */
    static void writeZip(Path f, Map<String, byte[]> entries, Set<String> deflated) throws IOException {
        try (OutputStream os = Files.newOutputStream(f); ZipOutputStream zos = new ZipOutputStream(os)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                ZipEntry ze = new ZipEntry(e.getKey());
                byte[] d = e.getValue();
                if (!deflated.contains(e.getKey())) {
                    CRC32 crc = new CRC32();
                    crc.update(d);
                    ze.setMethod(ZipEntry.STORED);
                    ze.setSize(d.length);
                    ze.setCompressedSize(d.length);
                    ze.setCrc(crc.getValue());
                } else {
                    ze.setMethod(ZipEntry.DEFLATED);
                }
                zos.putNextEntry(ze);
                zos.write(d);
                zos.closeEntry();
            }
        }
    }

    /** A zip as torch's writer lays it out for large files: ZIP64 fields everywhere, data padded to 64-byte offsets. */
    static void writeZip64(Path f, Map<String, byte[]> entries) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        Map<String, long[]> at = new LinkedHashMap<>(); // name -> {local header offset, crc}
        for (Map.Entry<String, byte[]> e : entries.entrySet()) {
            byte[] name = e.getKey().getBytes(StandardCharsets.UTF_8), d = e.getValue();
            CRC32 crc = new CRC32();
            crc.update(d);
            long local = b.position();
            int fixed = 30 + name.length + 20;           // header, name, zip64 extra
            int pad = (int) ((64 - (local + fixed + 4) % 64) % 64);
            b.putInt(0x04034b50).putShort((short) 45).putShort((short) 0).putShort((short) 0).putShort((short) 0).putShort((short) 0x21)
                .putInt((int) crc.getValue()).putInt(-1).putInt(-1).putShort((short) name.length).putShort((short) (20 + 4 + pad)).put(name)
                .putShort((short) 1).putShort((short) 16).putLong(d.length).putLong(d.length)
                .putShort((short) 0x4246).putShort((short) pad).put(new byte[pad]);
            assertEquals(0, b.position() % 64);
            b.put(d);
            at.put(e.getKey(), new long[]{local, crc.getValue()});
        }
        long cd = b.position();
        for (Map.Entry<String, byte[]> e : entries.entrySet()) {
            byte[] name = e.getKey().getBytes(StandardCharsets.UTF_8);
            long[] a = at.get(e.getKey());
            b.putInt(0x02014b50).putShort((short) 45).putShort((short) 45).putShort((short) 0).putShort((short) 0).putShort((short) 0)
                .putShort((short) 0x21).putInt((int) a[1]).putInt(-1).putInt(-1).putShort((short) name.length).putShort((short) 28)
                .putShort((short) 0).putShort((short) 0).putShort((short) 0).putInt(0).putInt(-1).put(name)
                .putShort((short) 1).putShort((short) 24).putLong(e.getValue().length).putLong(e.getValue().length).putLong(a[0]);
        }
        long cdEnd = b.position();
        b.putInt(0x06064b50).putLong(44).putShort((short) 45).putShort((short) 45).putInt(0).putInt(0)
            .putLong(entries.size()).putLong(entries.size()).putLong(cdEnd - cd).putLong(cd);
        b.putInt(0x07064b50).putInt(0).putLong(cdEnd).putInt(1);
        b.putInt(0x06054b50).putShort((short) 0).putShort((short) 0).putShort((short) -1).putShort((short) -1).putInt(-1).putInt(-1).putShort((short) 0);
        Files.write(f, Arrays.copyOf(b.array(), b.position()));
    }

    /** A pickle assembler: one method per opcode. */
    static final class P {
        private final ByteArrayOutputStream o = new ByteArrayOutputStream();
        private int memo = 100;

        P op(int b) { o.write(b); return this; }
        P ascii(String s) { o.writeBytes(s.getBytes(StandardCharsets.ISO_8859_1)); return this; }
        P hex(String h) { o.writeBytes(HexFormat.of().parseHex(h)); return this; }
        private P le(long v, int n) { for (int i = 0; i < n; i++) o.write((int) (v >>> (8 * i))); return this; }

        P proto(int v) { return op(0x80).op(v); }
        P frame(long n) { return op(0x95).le(n, 8); }
        P stop() { return op('.'); }
        P mark() { return op('('); }
        P none() { return op('N'); }
        P t() { return op(0x88); }
        P f() { return op(0x89); }
        P i(long v) {
            if (v >= 0 && v < 256) return op('K').op((int) v);
            if (v >= 0 && v < 65536) return op('M').le(v, 2);
            return op('J').le(v, 4);
        }
        P f64(double d) { o.writeBytes(ByteBuffer.allocate(9).put((byte) 'G').putDouble(d).array()); return this; }
        P str(String s) { byte[] b = s.getBytes(StandardCharsets.UTF_8); op('X').le(b.length, 4); o.writeBytes(b); return this; }
        P shortStr(String s) { byte[] b = s.getBytes(StandardCharsets.UTF_8); op(0x8c).op(b.length); o.writeBytes(b); return this; }
        P global(String module, String name) { return op('c').ascii(module + "\n" + name + "\n"); }
        P stackGlobal() { return op(0x93); }
        P memoize() { return op(0x94); }
        P put(int i) { return op('q').op(i); }
        P get(int i) { return op('h').op(i); }
        P emptyDict() { return op('}'); }
        P emptyList() { return op(']'); }
        P emptyTuple() { return op(')'); }
        P tuple() { return op('t'); }
        P tuple1() { return op(0x85); }
        P tuple2() { return op(0x86); }
        P tuple3() { return op(0x87); }
        P list() { return op('l'); }
        P setitem() { return op('s'); }
        P setitems() { return op('u'); }
        P append() { return op('a'); }
        P reduce() { return op('R'); }
        P binpersid() { return op('Q'); }
        /** collections.OrderedDict() */
        P emptyDictViaOrdered() { return global("collections", "OrderedDict").emptyTuple().reduce(); }

        P tuple(long[] v) { mark(); for (long x : v) i(x); return tuple(); }

        /** torch._utils._rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict()), storage by persistent id */
        P tensor(String storageType, String key, long numel, long offset, long[] size, long[] stride) {
            global("torch._utils", "_rebuild_tensor_v2").mark();
            mark().str("storage").global("torch", storageType).str(key).str("cpu").i(numel).tuple().binpersid();
            i(offset).tuple(size).tuple(stride).f().emptyDictViaOrdered();
            return tuple().reduce();
        }

        byte[] bytes() { return o.toByteArray(); }
    }

    /*
     * CPython 3.11 pickles of the same object with protocols 2, 4 and 5, written by a Pickler whose
     * persistent_id maps fake storages to ('storage', torch.FloatStorage|HalfStorage, key, 'cpu', numel)
     * and whose fake tensors reduce to torch._utils._rebuild_tensor_v2 / _rebuild_parameter (stub
     * modules registered as sys.modules['torch'] and ['torch._utils']). The object:
     *   {'state_dict': OrderedDict(layer.weight = v2(S0, 0, (2,3), (3,1)),
     *                              layer.t = Parameter(v2(S0, 1, (2,2), (1,3))), half = v2(S1, 0, (4,), (1,))),
     *    'global_step': 123456789012, 'lr': 1.5e-4, 'neg': -7, 'big': 2**70, 'name': 'héllo ✓',
     *    'raw': b'\x00\xffab', 'flags': {1, 2}, 'nothing': None, 'ok': True, 'shape': (1, (2, 3)),
     *    'items': [1, 2.5, 'x']}
     * Protocol 2 stores the bytes through _codecs.encode and the set through __builtin__.set;
     * 4 and 5 use FRAME, MEMOIZE, STACK_GLOBAL and SHORT_BINUNICODE.
     */
    private static final String CPYTHON_P2 =
        "80027d710028580a00000073746174655f64696374710163636f6c6c656374696f6e730a4f726465726564446963740a" +
        "71022952710328580c0000006c617965722e776569676874710463746f7263682e5f7574696c730a5f72656275696c64" +
        "5f74656e736f725f76320a71052828580700000073746f72616765710663746f7263680a466c6f617453746f72616765" +
        "0a71075801000000307108580300000063707571094b0674710a514b004b024b0386710b4b034b0186710c8968022952" +
        "710d74710e52710f58070000006c617965722e74711063746f7263682e5f7574696c730a5f72656275696c645f706172" +
        "616d657465720a71116805282868066807680868094b06747112514b014b024b028671134b014b038671148968022952" +
        "71157471165271178868022952711887711952711a580400000068616c66711b68052828680663746f7263680a48616c" +
        "6653746f726167650a711c580100000031711d68094b0474711e514b004b0485711f4b01857120896802295271217471" +
        "2252712375580b000000676c6f62616c5f7374657071248a05141a99be1c58020000006c727125473f23a92a30553261" +
        "58030000006e656771264af9ffffff580300000062696771278a0900000000000000004058040000006e616d65712858" +
        "0a00000068c3a96c6c6f20e29c9371295803000000726177712a635f636f646563730a656e636f64650a712b58050000" +
        "0000c3bf6162712c58060000006c6174696e31712d86712e52712f5805000000666c6167737130635f5f6275696c7469" +
        "6e5f5f0a7365740a71315d7132284b014b026585713352713458070000006e6f7468696e6771354e58020000006f6b71" +
        "36885805000000736861706571374b01680b86713858050000006974656d7371395d713a284b01474004000000000000" +
        "580100000078713b65752e";
    private static final String CPYTHON_P4 =
        "800495f4010000000000007d94288c0a73746174655f64696374948c0b636f6c6c656374696f6e73948c0b4f72646572" +
        "656444696374949394295294288c0c6c617965722e776569676874948c0c746f7263682e5f7574696c73948c125f7265" +
        "6275696c645f74656e736f725f763294939428288c0773746f72616765948c05746f726368948c0c466c6f617453746f" +
        "726167659493948c0130948c03637075944b067494514b004b024b0386944b034b018694896804295294749452948c07" +
        "6c617965722e749468078c125f72656275696c645f706172616d6574657294939468092828680a680d680e680f4b0674" +
        "94514b014b024b0286944b014b03869489680429529474945294886804295294879452948c0468616c66946809282868" +
        "0a680b8c0b48616c6653746f726167659493948c013194680f4b047494514b004b0485944b0185948968042952947494" +
        "5294758c0b676c6f62616c5f73746570948a05141a99be1c8c026c7294473f23a92a305532618c036e6567944af9ffff" +
        "ff8c03626967948a090000000000000000408c046e616d65948c0a68c3a96c6c6f20e29c93948c0372617794430400ff" +
        "6162948c05666c616773948f94284b014b02908c076e6f7468696e67944e8c026f6b94888c057368617065944b016811" +
        "86948c056974656d73945d94284b014740040000000000008c01789465752e";
    private static final String CPYTHON_P5 =
        "800595f4010000000000007d94288c0a73746174655f64696374948c0b636f6c6c656374696f6e73948c0b4f72646572" +
        "656444696374949394295294288c0c6c617965722e776569676874948c0c746f7263682e5f7574696c73948c125f7265" +
        "6275696c645f74656e736f725f763294939428288c0773746f72616765948c05746f726368948c0c466c6f617453746f" +
        "726167659493948c0130948c03637075944b067494514b004b024b0386944b034b018694896804295294749452948c07" +
        "6c617965722e749468078c125f72656275696c645f706172616d6574657294939468092828680a680d680e680f4b0674" +
        "94514b014b024b0286944b014b03869489680429529474945294886804295294879452948c0468616c66946809282868" +
        "0a680b8c0b48616c6653746f726167659493948c013194680f4b047494514b004b0485944b0185948968042952947494" +
        "5294758c0b676c6f62616c5f73746570948a05141a99be1c8c026c7294473f23a92a305532618c036e6567944af9ffff" +
        "ff8c03626967948a090000000000000000408c046e616d65948c0a68c3a96c6c6f20e29c93948c0372617794430400ff" +
        "6162948c05666c616773948f94284b014b02908c076e6f7468696e67944e8c026f6b94888c057368617065944b016811" +
        "86948c056974656d73945d94284b014740040000000000008c01789465752e";
}
