package dev.llmlb.engine.hf.embed;

import dev.llmlb.api.engine.EmbeddingRequest;
import dev.llmlb.api.engine.EmbeddingResult;
import dev.llmlb.api.engine.GenerationRequest;
import dev.llmlb.api.engine.GenerationResult;
import dev.llmlb.api.engine.LoadedModel;
import dev.llmlb.api.engine.ModelInfo;
import dev.llmlb.api.engine.Prompt;
import dev.llmlb.api.engine.TokenSink;
import dev.llmlb.engine.hf.HfTokenizer;

import java.util.Set;

/**
 * An encoder-only model loaded for embeddings: the engine's {@link TokenEncoder} under the repository's pooling and
 * normalisation ({@link SentenceEmbeddingConfig}) and the shared input checks and batching ({@link Embedder}). It
 * does not generate text.
 */
public final class EncoderModel implements LoadedModel {

    /** Inputs per forward pass. */
    public static final int MAX_ROWS = 32;
    /**
     * Positions per forward pass (rows times padded length): bounds the attention scores of one pass to
     * {@code heads × 8192 × length} floats, about 200 MB for 12 heads at 512 tokens.
     */
    public static final int MAX_PADDED_TOKENS = 8192;

    private final String id;
    private final HfTokenizer tokenizer;
    private final TokenEncoder encoder;
    private final ModelInfo info;
    private final Embedder embedder;

    /**
     * @param id          the model's id, for messages
     * @param maxTokens   the longest input
     * @param vocabSize   the size of the model's vocabulary
     * @param memoryBytes what the model holds
     * @param device      where it runs
     */
    public EncoderModel(String id, HfTokenizer tokenizer, TokenEncoder encoder, SentenceEmbeddingConfig config,
                        int maxTokens, int vocabSize, long memoryBytes, String device) {
        this.id = id;
        this.tokenizer = tokenizer;
        this.encoder = encoder;
        this.info = new ModelInfo(maxTokens, Set.of(ModelInfo.Capability.EMBED), memoryBytes, device, 1);
        int hidden = encoder.hiddenSize();
        this.embedder = new Embedder(tokenizer, new Embedder.Limits(maxTokens, vocabSize, MAX_ROWS,
                MAX_PADDED_TOKENS, config.normalize()), (rows, positions) -> {
                    float[] states = encoder.hiddenStates(rows, positions);
                    float[][] out = new float[rows.length][];
                    for (int r = 0; r < rows.length; r++) {
                        out[r] = config.pool(states, r, positions, hidden, rows[r].length);
                    }
                    return out;
                });
    }

    @Override
    public ModelInfo info() {
        return info;
    }

    @Override
    public EmbeddingResult embed(EmbeddingRequest request) {
        return embedder.embed(request);
    }

    /** The tokens of a text prompt; an embedding model has no chat format. */
    @Override
    public int countPromptTokens(Prompt prompt) {
        if (prompt instanceof Prompt.Text text) {
            return tokenizer.encode(text.text()).length;
        }
        throw notGenerative();
    }

    @Override
    public GenerationResult generate(GenerationRequest request, TokenSink sink) {
        throw notGenerative();
    }

    private UnsupportedOperationException notGenerative() {
        return new UnsupportedOperationException("Model '" + id + "' is an embedding model: it does not generate "
                + "text. Use /v1/embeddings.");
    }

    @Override
    public void close() {
        try {
            encoder.close();
        } finally {
            tokenizer.close();
        }
    }
}
