package dev.llmlb.api.engine;

import java.util.Optional;
import java.util.Set;

/**
 * Runs models of one or more formats.
 */
public interface InferenceEngine extends AutoCloseable {

    /**
     * Why this engine cannot run a downloaded model, e.g. {@code "architecture GPT2LMHeadModel is not supported"};
     * empty when it can. Must be cheap: reads a config file at most.
     */
    default Optional<String> unsupportedReason(LocalModel model) {
        return Optional.empty();
    }

    /**
     * What the model will offer once loaded ({@link ModelInfo#capabilities()}), for model listings before it is
     * loaded. Must be cheap: reads a config file at most. The default says generation only.
     */
    default Set<ModelInfo.Capability> capabilities(LocalModel model) {
        return Set.of(ModelInfo.Capability.GENERATE);
    }

    /**
     * The bytes of memory the model will take once loaded with these options (every sequence's cache included);
     * the host uses it to keep within its budget.
     */
    default long estimateMemoryBytes(LocalModel model, LoadOptions options) {
        return model.totalBytes();
    }

    /**
     * Loads a model. May take seconds; the host calls it off the request threads and at most once at a time
     * per model.
     *
     * @throws EngineException when the files cannot be loaded; the message says why
     */
    LoadedModel load(LocalModel model, LoadOptions options);

    /** Releases what the engine holds beyond its loaded models. */
    @Override
    default void close() {
    }
}
