package dev.llmlb.api.engine;

import java.util.List;

/**
 * Embeddings of several inputs.
 *
 * @param vectors      one vector per input, in input order
 * @param promptTokens tokens of all inputs together
 */
public record EmbeddingResult(List<float[]> vectors, int promptTokens) {

    public EmbeddingResult {
        vectors = List.copyOf(vectors);
    }
}
