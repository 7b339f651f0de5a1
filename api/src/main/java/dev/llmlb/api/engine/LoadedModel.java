package dev.llmlb.api.engine;

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
     * @throws UnsupportedOperationException  when {@link ModelInfo#supportsGeneration()} is false (an embedding
     *                                        model)
     */
    GenerationResult generate(GenerationRequest request, TokenSink sink);

    /**
     * Embeds each input, at the model's full size. Inputs of one request may run together in padded batches; the
     * result keeps their order. May be called from several threads at once only as {@link #generate} may.
     *
     * @throws InvalidInputException          when an input is longer than the model takes or holds a token id
     *                                        outside its vocabulary; the message names the input
     *                                        ({@link EmbeddingRequest#param})
     * @throws UnsupportedOperationException  when {@link ModelInfo#supportsEmbeddings()} is false
     * @throws EngineException                when the engine fails
     */
    default EmbeddingResult embed(EmbeddingRequest request) {
        throw new UnsupportedOperationException("this model does not produce embeddings");
    }

    /** Frees the model's memory; the host calls it once, after every generation has returned. */
    @Override
    void close();
}
