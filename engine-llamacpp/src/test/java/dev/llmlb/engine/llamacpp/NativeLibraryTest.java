package dev.llmlb.engine.llamacpp;

import dev.llmlb.api.engine.InferenceEngine;
import dev.llmlb.api.engine.LoadOptions;
import dev.llmlb.api.engine.LoadedModel;
import dev.llmlb.api.engine.LocalModel;
import dev.llmlb.testkit.models.GgufWriter;
import dev.llmlb.testkit.models.TinyLlamaConfig;
import dev.llmlb.testkit.models.TinyLlamaWeights;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs in a JVM of its own (surefire forks per class), so the library is loaded here for the first time. */
class NativeLibraryTest {

    @Test
    void theExtractedLibraryAndItsFolderAreGoneOnceLoadedAndModelsStillLoad(@TempDir Path dir) {
        assertTrue(System.getProperty(NativeLibrary.TMP_DIR) == null, "nothing loaded the library before");
        LocalModel local = TinyModels.write(new GgufWriter(TinyLlamaWeights.generate(TinyLlamaConfig.tiny())), dir,
                "tiny");
        InferenceEngine engine = new LlamaCppEngineFactory().create(TinyModels.context(Map.of(), dir));
        try (LoadedModel first = engine.load(local, LoadOptions.cpu(1, 64))) {
            Path folder = Path.of(System.getProperty(NativeLibrary.TMP_DIR));
            assertTrue(folder.getFileName().toString().startsWith("llmlb-jllama-"), folder.toString());
            assertFalse(Files.exists(folder), folder + " is left behind");
            assertEquals(4, TinyModels.greedy(first, "hello", 4).result().completionTokens());
            try (LoadedModel second = engine.load(local, LoadOptions.cpu(1, 128))) {
                assertEquals(4, TinyModels.greedy(second, "hello", 4).result().completionTokens());
            }
            assertFalse(Files.exists(folder), "a later load extracts nothing again");
        } finally {
            engine.close();
        }
    }
}
