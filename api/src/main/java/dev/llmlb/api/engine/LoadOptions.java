package dev.llmlb.api.engine;

import java.util.Map;
import java.util.Objects;

/**
 * How the host asks an engine to load a model. Engine-neutral: what only one engine understands travels in
 * {@link #settings}.
 *
 * @param threads           CPU threads for generation; at least 1
 * @param contextLength     the context window per sequence in tokens, 0 for the model's own (engines may cap it)
 * @param parallelSequences how many generations the host would like to run at once on this model; the engine
 *                          reports what it gives in {@link ModelInfo#parallelSequences()}; at least 1
 * @param placement         where the model should run
 * @param settings          engine-specific settings for this model (e.g. {@code gpu_layers}); engines ignore the
 *                          ones they do not know
 */
public record LoadOptions(int threads, int contextLength, int parallelSequences, Placement placement,
                          Map<String, String> settings) {

    /** Where a model runs. */
    public enum Placement {
        /** On CPU only. */
        CPU,
        /** On an accelerator when the engine can use one; engines without accelerator support run on CPU. */
        ACCELERATOR
    }

    public LoadOptions {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1: " + threads);
        }
        if (contextLength < 0) {
            throw new IllegalArgumentException("contextLength must be >= 0: " + contextLength);
        }
        if (parallelSequences < 1) {
            throw new IllegalArgumentException("parallelSequences must be >= 1: " + parallelSequences);
        }
        Objects.requireNonNull(placement, "placement");
        settings = Map.copyOf(settings);
    }

    /** CPU only, one sequence at a time, no engine settings. */
    public static LoadOptions cpu(int threads, int contextLength) {
        return new LoadOptions(threads, contextLength, 1, Placement.CPU, Map.of());
    }

    /** CPU only, all available processors, the model's own context length, one sequence. */
    public static LoadOptions cpuDefaults() {
        return cpu(Runtime.getRuntime().availableProcessors(), 0);
    }

    /** These options with {@code n} sequences at once. */
    public LoadOptions withParallelSequences(int n) {
        return new LoadOptions(threads, contextLength, n, placement, settings);
    }

    /** These options placed on an accelerator when the engine can. */
    public LoadOptions onAccelerator() {
        return new LoadOptions(threads, contextLength, parallelSequences, Placement.ACCELERATOR, settings);
    }

    /** These options with one more engine setting. */
    public LoadOptions withSetting(String key, String value) {
        Map<String, String> copy = new java.util.HashMap<>(settings);
        copy.put(key, value);
        return new LoadOptions(threads, contextLength, parallelSequences, placement, copy);
    }

    /** Whether the host asks for an accelerator. */
    public boolean useAccelerator() {
        return placement == Placement.ACCELERATOR;
    }
}
