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
     * A request with {@link GenerationRequest#topLogprobs()} gets {@link TokenSink#onToken(String, TokenLogprob)}
     * instead; one with a {@link GenerationRequest#constraint()} generates only JSON the schema accepts.
     *
     * @throws ContextLengthExceededException when the prompt does not fit the context
     * @throws InvalidInputException          when a part of the request cannot be honoured (a schema outside the
     *                                        supported subset, a {@code logit_bias} id outside the vocabulary, a
     *                                        chat template that raises an error); it names the parameter
     * @throws EngineException                when generation fails
     * @throws UnsupportedOperationException  when {@link ModelInfo#supportsGeneration()} is false (an embedding
     *                                        model)
     */
    GenerationResult generate(GenerationRequest request, TokenSink sink);

    /**
     * Whether {@link #generate} holds its output to {@link GenerationRequest#constraint()}. The host refuses a
     * request that needs it (400 naming the parameter) when this is false, so that no engine ignores it silently.
     */
    default boolean supportsJsonConstraints() {
        return false;
    }

    /**
     * Whether {@link #generate} reports {@link GenerationRequest#topLogprobs()}; the host refuses {@code logprobs}
     * otherwise.
     */
    default boolean supportsLogprobs() {
        return false;
    }

    /** Whether {@link #generate} applies {@link SamplingParams#logitBias()}; the host refuses it otherwise. */
    default boolean supportsLogitBias() {
        return false;
    }

    /**
     * The Jinja chat template this model formats chats with, when it has one: the host reads from it how the model
     * writes tool calls (e.g. inside {@code <tool_call>} tags), to find them in the text it generates.
     */
    default java.util.Optional<String> chatTemplate() {
        return java.util.Optional.empty();
    }

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
