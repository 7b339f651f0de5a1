package dev.llmlb.api.engine;

import java.util.List;

/**
 * What to embed. Shortening vectors ({@code dimensions}) is the host's business, done on the result.
 *
 * @param inputs at least one, embedded independently; the result keeps their order
 */
public record EmbeddingRequest(List<EmbeddingInput> inputs) {

    public EmbeddingRequest {
        inputs = List.copyOf(inputs);
        if (inputs.isEmpty()) {
            throw new IllegalArgumentException("an embedding request has at least one input");
        }
    }

    /** Texts to embed. */
    public static EmbeddingRequest ofTexts(List<String> texts) {
        return new EmbeddingRequest(texts.stream().<EmbeddingInput>map(EmbeddingInput.Text::new).toList());
    }

    public static EmbeddingRequest ofTexts(String... texts) {
        return ofTexts(List.of(texts));
    }

    /**
     * How a message names input {@code index}: {@code input} when there is one, {@code input[i]} otherwise (OpenAI's
     * {@code param}).
     */
    public String param(int index) {
        return inputs.size() == 1 ? "input" : "input[" + index + "]";
    }
}
