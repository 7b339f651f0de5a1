package dev.llmlb.engine.onnx;

import dev.llmlb.api.PluginContext;
import dev.llmlb.api.engine.EngineException;
import dev.llmlb.testkit.models.OnnxWriter;
import dev.llmlb.testkit.models.TinyLlamaConfig;
import dev.llmlb.testkit.models.TinyLlamaWeights;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OnnxOptionsTest {

    static PluginContext settings(Map<String, String> values) {
        return new PluginContext() {
            @Override
            public Optional<String> setting(String key) {
                return Optional.ofNullable(values.get(key));
            }

            @Override
            public Path homeDirectory() {
                return Path.of(System.getProperty("java.io.tmpdir"));
            }

            @Override
            public boolean gpuAvailable() {
                return false;
            }
        };
    }

    @Test
    void withoutSettingsTheProviderIsChosenPerModel() {
        assertEquals(OnnxOptions.defaults(), OnnxOptions.from(settings(Map.of())));
        assertEquals(OnnxOptions.Provider.AUTO, OnnxOptions.defaults().provider());
    }

    @Test
    void settingsChooseTheProviderDeviceThreadsChunkSpinningAndContext() {
        OnnxOptions options = OnnxOptions.from(settings(Map.of(OnnxOptions.PROVIDER, " CUDA ",
                OnnxOptions.CUDA_DEVICE, "1", OnnxOptions.THREADS, "4", OnnxOptions.PREFILL_CHUNK, "64",
                OnnxOptions.SPIN, "false", OnnxOptions.MAX_CONTEXT, "1024")));
        assertEquals(new OnnxOptions(OnnxOptions.Provider.CUDA, 1, 4, 64, false, 1024), options);
    }

    @Test
    void anUnknownProviderOrABadNumberIsNamedInTheError() {
        EngineException provider = assertThrows(EngineException.class,
                () -> OnnxOptions.from(settings(Map.of(OnnxOptions.PROVIDER, "tpu"))));
        assertEquals("LLMLB_ONNX_PROVIDER=tpu is not an execution provider the onnx engine knows; use auto, cpu or "
                + "cuda",
                provider.getMessage());
        EngineException threads = assertThrows(EngineException.class,
                () -> OnnxOptions.from(settings(Map.of(OnnxOptions.THREADS, "-1"))));
        assertEquals("LLMLB_ONNX_THREADS=-1 must be a whole number of at least 0", threads.getMessage());
        EngineException context = assertThrows(EngineException.class,
                () -> OnnxOptions.from(settings(Map.of(OnnxOptions.MAX_CONTEXT, "0"))));
        assertEquals("LLMLB_ONNX_MAX_CONTEXT=0 must be a whole number of at least 1", context.getMessage());
        EngineException spin = assertThrows(EngineException.class,
                () -> OnnxOptions.from(settings(Map.of(OnnxOptions.SPIN, "sometimes"))));
        assertEquals("LLMLB_ONNX_SPIN=sometimes must be true or false", spin.getMessage());
    }

    @Test
    void cudaWithTheCpuRuntimeExplainsHowToGetTheGpuOne(@TempDir Path dir) {
        Path model = new OnnxWriter(TinyLlamaWeights.generate(TinyLlamaConfig.tiny())).writeRepo(dir);
        OnnxOptions cuda = OnnxOptions.from(settings(Map.of(OnnxOptions.PROVIDER, "cuda")));
        EngineException e = assertThrows(EngineException.class, () -> OnnxDecoder.open(model, cuda));
        assertTrue(e.getMessage().startsWith("LLMLB_ONNX_PROVIDER=cuda but this ONNX Runtime has no CUDA provider"),
                e.getMessage());
        assertTrue(e.getMessage().contains("onnxruntime_gpu"), e.getMessage());
    }

    @Test
    void autoRunsOnTheCpuWhenThisRuntimeHasNoCuda(@TempDir Path dir) {
        Path model = new OnnxWriter(TinyLlamaWeights.generate(TinyLlamaConfig.tiny())).writeRepo(dir);
        try (OnnxDecoder decoder = OnnxDecoder.open(model, OnnxOptions.defaults())) {
            assertEquals("cpu", decoder.device());
        }
    }
}
