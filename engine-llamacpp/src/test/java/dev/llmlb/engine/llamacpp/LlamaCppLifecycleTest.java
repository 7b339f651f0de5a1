package dev.llmlb.engine.llamacpp;

import dev.llmlb.api.engine.EngineException;
import dev.llmlb.api.engine.InferenceEngine;
import dev.llmlb.api.engine.InferenceEngineFactory;
import dev.llmlb.api.engine.LoadOptions;
import dev.llmlb.api.engine.LoadedModel;
import dev.llmlb.api.engine.LocalModel;
import dev.llmlb.api.engine.ModelInfo;
import dev.llmlb.api.engine.Prompt;
import dev.llmlb.api.source.ModelFormats;
import dev.llmlb.testkit.models.GgufWriter;
import dev.llmlb.testkit.models.TinyLlamaConfig;
import dev.llmlb.testkit.models.TinyLlamaWeights;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LlamaCppLifecycleTest {

    private final TinyLlamaWeights weights = TinyLlamaWeights.generate(TinyLlamaConfig.tiny());

    @Test
    void theFactoryIsFoundAsAServiceOnTheModulePathAndTheClassPath() throws IOException {
        // The host declares `uses`; this test runs inside the plugin's module, which does not.
        getClass().getModule().addUses(InferenceEngineFactory.class);
        InferenceEngineFactory factory = ServiceLoader.load(InferenceEngineFactory.class).stream()
                .map(ServiceLoader.Provider::get).filter(f -> f.name().equals("llamacpp")).findFirst().orElseThrow();
        assertEquals(java.util.Set.of("gguf"), factory.formats());
        try (InputStream in = LlamaCppEngineFactory.class.getResourceAsStream(
                "/META-INF/services/dev.llmlb.api.engine.InferenceEngineFactory")) {
            assertEquals(LlamaCppEngineFactory.class.getName(), new String(in.readAllBytes(),
                    StandardCharsets.UTF_8).trim());
        }
    }

    @Test
    void modelInfoReportsContextSequencesDeviceAndTheMemoryOfEverySequence(@TempDir Path dir) {
        InferenceEngine engine = new LlamaCppEngineFactory().create(TinyModels.context(Map.of(), dir));
        LocalModel local = TinyModels.write(new GgufWriter(weights), dir, "tiny");
        LoadOptions threeSequences = LoadOptions.cpu(2, 0).withParallelSequences(3);
        try (LoadedModel model = engine.load(local, threeSequences.onAccelerator())) {
            ModelInfo info = model.info();
            assertEquals(512, info.contextLength(), "per sequence: the model's own, below the 4096 cap");
            assertEquals(3, info.parallelSequences());
            assertEquals("cpu", info.device(), "the bundled natives are CPU-only; the GPU request is ignored");
            TinyLlamaConfig c = weights.config();
            long f32PerSequence = 2L * c.layers() * 512 * c.kvDim() * 4;
            assertEquals(local.totalBytes() + 3 * f32PerSequence, info.memoryBytes(),
                    "an F32 cache (all-F32 weights) for each of the three sequences");
            assertEquals(info.memoryBytes(), engine.estimateMemoryBytes(local, threeSequences));
            assertEquals(local.totalBytes() + 4 * (f32PerSequence / 2),
                    engine.estimateMemoryBytes(local, LoadOptions.cpu(1, 256).withParallelSequences(4)),
                    "four sequences of 256 tokens");
        } finally {
            engine.close();
        }
        InferenceEngine f16 = new LlamaCppEngineFactory().create(TinyModels.context(
                Map.of("LLMLB_LLAMACPP_KV_CACHE_TYPE", "f16"), dir));
        try (LoadedModel model = f16.load(local, LoadOptions.cpu(2, 0).withParallelSequences(2))) {
            TinyLlamaConfig c = weights.config();
            assertEquals(local.totalBytes() + 2 * 2L * c.layers() * 512 * c.kvDim() * 2, model.info().memoryBytes());
            assertEquals(4, TinyModels.greedy(model, "hello", 4).result().completionTokens(),
                    "an F16 cache with flash attention (two sequences) generates");
        } finally {
            f16.close();
        }
    }

    @Test
    void theContextIsCappedByTheSettingUnlessAsked(@TempDir Path dir) {
        InferenceEngine engine = new LlamaCppEngineFactory().create(TinyModels.context(
                Map.of("LLMLB_LLAMACPP_MAX_CONTEXT", "128"), dir));
        LocalModel local = TinyModels.write(new GgufWriter(weights), dir, "tiny");
        try (LoadedModel capped = engine.load(local, LoadOptions.cpu(1, 0));
             LoadedModel asked = engine.load(local, LoadOptions.cpu(1, 256));
             LoadedModel tooMuch = engine.load(local, LoadOptions.cpu(1, 100_000))) {
            assertEquals(128, capped.info().contextLength());
            assertEquals(256, asked.info().contextLength());
            assertEquals(512, tooMuch.info().contextLength(), "never more than the trained context");
        } finally {
            engine.close();
        }
    }

    @Test
    void filesTheEngineCannotRunAreExplained(@TempDir Path dir) throws IOException {
        InferenceEngine engine = new LlamaCppEngineFactory().create(TinyModels.context(Map.of(), dir));
        Path notGguf = Files.writeString(dir.resolve("x.gguf"), "{\"not\": \"a model\"}");
        LocalModel json = TinyModels.local("x", dir, List.of(notGguf));
        assertTrue(engine.unsupportedReason(json).orElseThrow().contains("not a GGUF file"));
        EngineException e = assertThrows(EngineException.class, () -> engine.load(json, LoadOptions.cpuDefaults()));
        assertTrue(e.getMessage().contains("not a GGUF file"));

        Path whole = new GgufWriter(weights).write(dir.resolve("whole.gguf"));
        byte[] bytes = Files.readAllBytes(whole);
        Path cut = Files.write(dir.resolve("cut.gguf"), java.util.Arrays.copyOf(bytes, 2000));
        assertTrue(engine.unsupportedReason(TinyModels.local("cut", dir, List.of(cut))).orElseThrow()
                .contains("incomplete"));

        LocalModel safetensors = new LocalModel("s", dir, ModelFormats.SAFETENSORS, List.of(), List.of(), Map.of());
        assertTrue(engine.unsupportedReason(safetensors).orElseThrow().contains("not safetensors"));

        Path splitDir = Files.createDirectories(dir.resolve("split"));
        List<Path> parts = new GgufWriter(weights).writeSplit(splitDir, "m", 3);
        Files.delete(parts.get(2));
        assertEquals(Optional.of("split model part m-00003-of-00003.gguf is missing"),
                engine.unsupportedReason(TinyModels.local("split", splitDir, parts.subList(0, 2))));
        assertTrue(engine.unsupportedReason(TinyModels.local("second", splitDir, List.of(parts.get(1))))
                .orElseThrow().contains("load its first file"));

        assertEquals(Optional.empty(), engine.unsupportedReason(TinyModels.local("ok", dir, List.of(whole))));
        engine.close();
    }

    @Test
    void aFileLlamaCppRejectsFailsCleanlyAndTheEngineLoadsOthersAfterwards(@TempDir Path dir) throws IOException {
        InferenceEngine engine = new LlamaCppEngineFactory().create(TinyModels.context(Map.of(), dir));
        try {
            Path whole = new GgufWriter(weights).write(dir.resolve("whole.gguf"));
            byte[] bytes = Files.readAllBytes(whole);
            // The metadata is intact, the tensor data is cut short: only llama.cpp can tell.
            Path cut = Files.write(dir.resolve("cut.gguf"), java.util.Arrays.copyOf(bytes, bytes.length * 9 / 10));
            LocalModel broken = TinyModels.local("cut", dir, List.of(cut));
            assertEquals(Optional.empty(), engine.unsupportedReason(broken));
            EngineException e = assertThrows(EngineException.class,
                    () -> engine.load(broken, LoadOptions.cpu(1, 64)));
            assertTrue(e.getMessage().contains("llama.cpp could not load cut.gguf"), e.getMessage());
            try (LoadedModel good = engine.load(TinyModels.local("ok", dir, List.of(whole)),
                    LoadOptions.cpu(1, 64))) {
                assertEquals(4, TinyModels.greedy(good, "hello", 4).result().completionTokens());
            }
        } finally {
            engine.close();
        }
    }

    /**
     * Closing frees no native memory in java-llama.cpp 4.2.0 and leaves its task thread behind, so the engine keeps
     * an unloaded model to hand out again: reloading the same file adds no native model and no thread, and
     * everything else the engine started is gone once it is closed.
     */
    @Test
    void unloadAndReloadReuseTheNativeModelAndCloseLeavesOnlyTheKnownThreads(@TempDir Path dir) throws Exception {
        LocalModel local = TinyModels.write(new GgufWriter(weights), dir, "tiny");
        // Warm up: the first load in a JVM also starts the native library's own threads.
        InferenceEngine warmUp = new LlamaCppEngineFactory().create(TinyModels.context(Map.of(), dir));
        warmUp.load(local, LoadOptions.cpu(1, 64)).close();
        warmUp.close();
        java.util.Set<Thread> before = settledThreads();

        LlamaCppEngine engine = (LlamaCppEngine) new LlamaCppEngineFactory().create(TinyModels.context(Map.of(), dir));
        LoadedModel first = engine.load(local, LoadOptions.cpu(1, 64));
        String text = TinyModels.greedy(first, "hello", 8).text();
        first.close();
        assertThrows(IllegalStateException.class, () -> first.countPromptTokens(new Prompt.Text("x")));
        java.util.Set<Thread> afterOneLoad = settledThreads();
        for (int i = 0; i < 3; i++) {
            try (LoadedModel again = engine.load(local, LoadOptions.cpu(1, 64))) {
                assertEquals(text, TinyModels.greedy(again, "hello", 8).text());
            }
        }
        assertEquals(afterOneLoad, settledThreads(), "reloading the same model started no new native model");
        assertEquals(1, engine.nativeModels().parkedCount());
        engine.close();
        assertEquals(0, engine.nativeModels().parkedCount());
        java.util.Set<Thread> leftBehind = settledThreads();
        leftBehind.removeAll(before);
        assertTrue(leftBehind.size() <= 1, "java-llama.cpp leaves one thread per native model, but these are left: "
                + leftBehind.stream().map(t -> t.getName() + "/" + t.getState()).toList());
        assertThrows(EngineException.class, () -> engine.load(local, LoadOptions.cpu(1, 64)));
    }

    /**
     * The live non-daemon threads once no thread has come or gone for 300 ms: a native model's thread attaches
     * itself to the JVM a moment after the model is created.
     */
    private static java.util.Set<Thread> settledThreads() throws InterruptedException {
        java.util.Set<Thread> last = liveThreads();
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (System.nanoTime() < deadline) {
            Thread.sleep(300);
            java.util.Set<Thread> now = liveThreads();
            if (now.equals(last)) {
                return now;
            }
            last = now;
        }
        return last;
    }

    private static java.util.Set<Thread> liveThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.isAlive() && !t.isDaemon())
                .collect(java.util.stream.Collectors.toCollection(java.util.HashSet::new));
    }
}
