package dev.llmlb.testkit.models;

import java.util.Objects;
import java.util.Optional;

/**
 * The shape of a generated Llama-family model.
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
 * @param architecture     the HuggingFace architecture: plain Llama, or Qwen2 (Llama with q/k/v biases)
 * @param ropeScaling      Llama 3 style rotary frequency scaling, when the model uses it
 */
public record TinyLlamaConfig(int hiddenSize, int layers, int heads, int kvHeads, int intermediateSize,
                              int contextLength, float ropeTheta, float rmsEps, boolean tiedEmbeddings, long seed,
                              Architecture architecture, Optional<Llama3RopeScaling> ropeScaling) {

    /** The decoder families the generator writes. */
    public enum Architecture {
        /** {@code LlamaForCausalLM}: no biases. */
        LLAMA("LlamaForCausalLM", "llama"),
        /** {@code Qwen2ForCausalLM}: the Llama decoder with biases on the q, k and v projections. */
        QWEN2("Qwen2ForCausalLM", "qwen2");

        private final String className;
        private final String modelType;

        Architecture(String className, String modelType) {
            this.className = className;
            this.modelType = modelType;
        }

        /** The {@code architectures} entry of {@code config.json}. */
        public String className() {
            return className;
        }

        /** The {@code model_type} of {@code config.json}. */
        public String modelType() {
            return modelType;
        }

        public boolean attentionBias() {
            return this == QWEN2;
        }
    }

    /**
     * The {@code rope_scaling} of Llama 3.1 ({@code "rope_type": "llama3"}): low frequencies divided by
     * {@code factor}, high ones kept, those between blended.
     */
    public record Llama3RopeScaling(double factor, double lowFreqFactor, double highFreqFactor,
                                    int originalMaxPositionEmbeddings) {

        /** Scales the inverse frequency of one rotary dimension pair, as transformers does. */
        public double scale(double inverseFrequency) {
            double lowFreqWavelength = originalMaxPositionEmbeddings / lowFreqFactor;
            double highFreqWavelength = originalMaxPositionEmbeddings / highFreqFactor;
            double wavelength = 2 * Math.PI / inverseFrequency;
            if (wavelength < highFreqWavelength) {
                return inverseFrequency;
            }
            if (wavelength > lowFreqWavelength) {
                return inverseFrequency / factor;
            }
            double smooth = (originalMaxPositionEmbeddings / wavelength - lowFreqFactor)
                    / (highFreqFactor - lowFreqFactor);
            return (1 - smooth) * inverseFrequency / factor + smooth * inverseFrequency;
        }
    }

    public TinyLlamaConfig {
        Objects.requireNonNull(architecture, "architecture");
        ropeScaling = ropeScaling == null ? Optional.empty() : ropeScaling;
        if (hiddenSize % heads != 0 || heads % kvHeads != 0 || (hiddenSize / heads) % 2 != 0) {
            throw new IllegalArgumentException("hidden size must split into heads of even size, heads into kv heads");
        }
    }

    /** A plain Llama model without rope scaling. */
    public TinyLlamaConfig(int hiddenSize, int layers, int heads, int kvHeads, int intermediateSize,
                           int contextLength, float ropeTheta, float rmsEps, boolean tiedEmbeddings, long seed) {
        this(hiddenSize, layers, heads, kvHeads, intermediateSize, contextLength, ropeTheta, rmsEps, tiedEmbeddings,
                seed, Architecture.LLAMA, Optional.empty());
    }

    /** A few hundred thousand parameters: loads and generates in milliseconds. */
    public static TinyLlamaConfig tiny() {
        return new TinyLlamaConfig(64, 2, 4, 2, 128, 512, 10000f, 1e-5f, false, 42);
    }

    /** {@link #tiny()} as Qwen2: the same shape with q/k/v biases. */
    public static TinyLlamaConfig tinyQwen2() {
        return tiny().withArchitecture(Architecture.QWEN2);
    }

    /**
     * {@link #tiny()} with Llama 3 rope scaling whose wavelength bounds (16 and 64 positions) fall between the
     * model's rotary frequencies, so that kept, divided and blended frequencies all occur.
     */
    public static TinyLlamaConfig tinyLlama3() {
        return tiny().withRopeScaling(new Llama3RopeScaling(8.0, 1.0, 4.0, 64));
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

    /** The inverse frequency of rotary dimension pair {@code i} (of {@code headDim / 2}), scaled when configured. */
    public double inverseFrequency(int i) {
        double base = Math.pow(ropeTheta, -2.0 * i / headDim());
        return ropeScaling.map(s -> s.scale(base)).orElse(base);
    }

    public TinyLlamaConfig withSeed(long newSeed) {
        return new TinyLlamaConfig(hiddenSize, layers, heads, kvHeads, intermediateSize, contextLength, ropeTheta,
                rmsEps, tiedEmbeddings, newSeed, architecture, ropeScaling);
    }

    public TinyLlamaConfig withTiedEmbeddings(boolean tied) {
        return new TinyLlamaConfig(hiddenSize, layers, heads, kvHeads, intermediateSize, contextLength, ropeTheta,
                rmsEps, tied, seed, architecture, ropeScaling);
    }

    public TinyLlamaConfig withArchitecture(Architecture newArchitecture) {
        return new TinyLlamaConfig(hiddenSize, layers, heads, kvHeads, intermediateSize, contextLength, ropeTheta,
                rmsEps, tiedEmbeddings, seed, newArchitecture, ropeScaling);
    }

    public TinyLlamaConfig withRopeScaling(Llama3RopeScaling scaling) {
        return new TinyLlamaConfig(hiddenSize, layers, heads, kvHeads, intermediateSize, contextLength, ropeTheta,
                rmsEps, tiedEmbeddings, seed, architecture, Optional.ofNullable(scaling));
    }
}
