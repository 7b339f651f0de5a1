package dev.llmlb.api.engine;

/**
 * How the host asks an engine to load a model.
 *
 * @param threads       CPU threads for generation; at least 1
 * @param contextLength the context window to allocate in tokens, 0 for the model's own (engines may cap it)
 * @param useGpu        whether to place the model on a GPU when the engine can; engines without GPU support
 *                      ignore it and run on CPU
 * @param gpuLayers     how many layers to offload when {@code useGpu}; -1 for all
 */
public record LoadOptions(int threads, int contextLength, boolean useGpu, int gpuLayers) {

    public LoadOptions {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1: " + threads);
        }
        if (contextLength < 0) {
            throw new IllegalArgumentException("contextLength must be >= 0: " + contextLength);
        }
    }

    /** CPU only, all available processors, the model's own context length. */
    public static LoadOptions cpuDefaults() {
        return new LoadOptions(Runtime.getRuntime().availableProcessors(), 0, false, 0);
    }
}
