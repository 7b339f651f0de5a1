package dev.llmlb.engine.djl;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import dev.llmlb.api.engine.EngineException;
import dev.llmlb.engine.hf.DjlRuntime;

import java.lang.System.Logger.Level;

/**
 * DJL's PyTorch engine, started on first use: loading libtorch (and extracting it into the DJL cache the first time,
 * about 432 MB) takes seconds, so the engine factory never does it and a node without safetensors models never pays.
 */
final class PyTorchRuntime {

    private static final System.Logger LOG = System.getLogger(PyTorchRuntime.class.getName());

    private Engine engine;

    /**
     * The PyTorch engine, loaded now if it was not.
     *
     * @throws EngineException when libtorch cannot be loaded
     */
    synchronized Engine engine() {
        if (engine == null) {
            long start = System.nanoTime();
            try {
                engine = DjlRuntime.withPluginClassLoader(() -> Engine.getEngine("PyTorch"));
            } catch (RuntimeException | LinkageError e) {
                throw new EngineException("DJL cannot start PyTorch: " + e.getMessage(), e);
            }
            LOG.log(Level.INFO, "PyTorch {0} started in {1} ms ({2} GPUs visible)", engine.getVersion(),
                    (System.nanoTime() - start) / 1_000_000, engine.getGpuCount());
        }
        return engine;
    }

    /** The device to load on: the first GPU when asked for and PyTorch sees one, else the CPU. */
    Device device(boolean useGpu) {
        Engine e = engine();
        if (useGpu && e.getGpuCount() > 0) {
            return Device.gpu();
        }
        if (useGpu) {
            LOG.log(Level.INFO, "GPU asked for, but PyTorch sees none (the bundled natives are CPU-only); using the CPU");
        }
        return Device.cpu();
    }

    /** PyTorch's intra-op threads; process-wide, so the last model loaded sets it for all. */
    void threads(int threads) {
        engine();
        JniUtils.setNumThreads(threads);
    }
}
