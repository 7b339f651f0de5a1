package dev.llmlb.api.engine;

import java.util.List;

/**
 * A model in memory, ready to generate. The host calls {@link #generate} from one thread at a time per model
 * unless {@link ModelInfo#parallelSequences()} says the engine takes more.
 */
public interface LoadedModel extends AutoCloseable {

    /** What the loaded model offers. */
    ModelInfo info();

    /**
     * Counts the tokens a prompt takes once formatted (chat template applied), for usage and context checks.
     */
    int countPromptTokens(Prompt prompt);

    /**
     * Generates until end of sequence, {@code maxTokens}, or the sink asks to stop. Calls {@code sink} once per
     * generated token, on the calling thread, with the text that token adds (possibly empty, for example while a
     * multi-byte character is incomplete). Stop sequences are the host's business: it stops through the sink.
     *
     * @throws ContextLengthExceededException when the prompt does not fit the context
     * @throws EngineException                when generation fails
     */
    GenerationResult generate(GenerationRequest request, TokenSink sink);

    /**
     * Embeds each input.
     *
     * @throws UnsupportedOperationException when {@link ModelInfo#supportsEmbeddings()} is false
     */
    default EmbeddingResult embed(List<String> inputs) {
        throw new UnsupportedOperationException("this model does not produce embeddings");
    }

    /** Frees the model's memory; the host calls it once, after every generation has returned. */
    @Override
    void close();
}
