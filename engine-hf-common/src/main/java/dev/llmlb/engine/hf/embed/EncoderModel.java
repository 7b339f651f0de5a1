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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * An encoder-only model loaded for embeddings: the engine's {@link TokenEncoder} under the repository's pooling and
 * normalisation ({@link SentenceEmbeddingConfig}) and the shared input checks and batching ({@link Embedder}). It
 * does not generate text.
 *
 * <p>On a CPU, small encoders embed faster as independent single-threaded passes side by side than as one pass
 * spread over the cores (each operator is too small to split well): measured with all-MiniLM-L6-v2 on 2 cores,
 * 32 inputs per request, two single-threaded workers gave about 1.7 times the throughput of one two-threaded pass
 * (medians of six rounds each, on a shared and loaded machine). The price is the latency of a lone input, which
 * runs on one thread.
 * Engines whose passes are thread-safe give the model a pool of workers.
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
    private final ExecutorService workers;

    /**
     * @param id          the model's id, for messages
     * @param maxTokens   the longest input
     * @param vocabSize   the size of the model's vocabulary
     * @param memoryBytes what the model holds
     * @param device      where it runs
     * @param workers     threads that run batches side by side, each pass on one thread (for an encoder that is
     *                    thread-safe and runs single-threaded); 1 runs them one after the other on the caller's
     *                    thread (for an encoder that spreads each pass over threads itself)
     * @param requests    requests the model takes at once ({@link ModelInfo#parallelSequences()})
     */
    public EncoderModel(String id, HfTokenizer tokenizer, TokenEncoder encoder, SentenceEmbeddingConfig config,
                        int maxTokens, int vocabSize, long memoryBytes, String device, int workers, int requests) {
        this.id = id;
        this.tokenizer = tokenizer;
        this.encoder = encoder;
        this.info = new ModelInfo(maxTokens, Set.of(ModelInfo.Capability.EMBED), memoryBytes, device,
                Math.max(1, requests));
        this.workers = workers > 1 ? Executors.newFixedThreadPool(workers,
                Thread.ofPlatform().name("embed-" + id + "-", 0).daemon(true).factory()) : null;
        int hidden = encoder.hiddenSize();
        this.embedder = new Embedder(tokenizer, new Embedder.Limits(maxTokens, vocabSize, MAX_ROWS,
                MAX_PADDED_TOKENS, config.normalize()), (rows, positions) -> {
                    float[] states = encoder.hiddenStates(rows, positions);
                    float[][] out = new float[rows.length][];
                    for (int r = 0; r < rows.length; r++) {
                        out[r] = config.pool(states, r, positions, hidden, rows[r].length);
                    }
                    return out;
                }, this.workers, workers);
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
        if (workers != null) {
            // The host closes a model once every request has returned: no batch is running.
            workers.shutdownNow();
        }
        try {
            encoder.close();
        } finally {
            tokenizer.close();
        }
    }
}
