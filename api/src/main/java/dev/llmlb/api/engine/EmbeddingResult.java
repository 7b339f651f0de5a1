package dev.llmlb.api.engine;

import java.util.List;

/**
 * Embeddings of several inputs. Immutable.
 *
 * @param embeddings   one per input, in input order, all of the same size
 * @param promptTokens tokens of all inputs together
 * @param normalized   whether every vector has length 1 (the model normalises its output); only such vectors may be
 *                     shortened ({@link Embedding#truncated})
 */
public record EmbeddingResult(List<Embedding> embeddings, int promptTokens, boolean normalized) {

    public EmbeddingResult {
        embeddings = List.copyOf(embeddings);
        if (promptTokens < 0) {
            throw new IllegalArgumentException("promptTokens must be >= 0: " + promptTokens);
        }
        if (embeddings.stream().mapToInt(Embedding::dimensions).distinct().count() > 1) {
            throw new IllegalArgumentException("the embeddings of one result differ in size");
        }
    }

    /** The size of every vector; 0 when there are none. */
    public int dimensions() {
        return embeddings.isEmpty() ? 0 : embeddings.get(0).dimensions();
    }

    /** Every vector shortened to {@code dimensions} values and normalised again. */
    public EmbeddingResult truncated(int dimensions) {
        return new EmbeddingResult(embeddings.stream().map(e -> e.truncated(dimensions)).toList(), promptTokens,
                true);
    }
}
