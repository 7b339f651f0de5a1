package dev.llmlb.testkit.models;

/**
 * The shape of a generated Llama-architecture model.
 *
 * @param hiddenSize       embedding width
 * @param layers           decoder blocks
 * @param heads            attention heads
 * @param kvHeads          key/value heads (grouped-query attention when fewer than {@code heads})
 * @param intermediateSize SwiGLU width
 * @param contextLength    positions the model declares
 * @param ropeTheta        rotary base
 * @param rmsEps           RMSNorm epsilon
 * @param tiedEmbeddings   whether the output projection reuses the input embeddings
 * @param seed             seeds every weight
 */
public record TinyLlamaConfig(int hiddenSize, int layers, int heads, int kvHeads, int intermediateSize,
                              int contextLength, float ropeTheta, float rmsEps, boolean tiedEmbeddings, long seed) {

    public TinyLlamaConfig {
        if (hiddenSize % heads != 0 || heads % kvHeads != 0 || (hiddenSize / heads) % 2 != 0) {
            throw new IllegalArgumentException("hidden size must split into heads of even size, heads into kv heads");
        }
    }

    /** A few hundred thousand parameters: loads and generates in milliseconds. */
    public static TinyLlamaConfig tiny() {
        return new TinyLlamaConfig(64, 2, 4, 2, 128, 512, 10000f, 1e-5f, false, 42);
    }

    /** About 100M parameters, for benchmarks where compute must dominate. */
    public static TinyLlamaConfig benchmark() {
        return new TinyLlamaConfig(768, 12, 12, 4, 3072, 2048, 10000f, 1e-5f, false, 7);
    }

    public int headDim() {
        return hiddenSize / heads;
    }

    public int kvDim() {
        return kvHeads * headDim();
    }

    public TinyLlamaConfig withSeed(long newSeed) {
        return new TinyLlamaConfig(hiddenSize, layers, heads, kvHeads, intermediateSize, contextLength, ropeTheta,
                rmsEps, tiedEmbeddings, newSeed);
    }

    public TinyLlamaConfig withTiedEmbeddings(boolean tied) {
        return new TinyLlamaConfig(hiddenSize, layers, heads, kvHeads, intermediateSize, contextLength, ropeTheta,
                rmsEps, tied, seed);
    }
}
