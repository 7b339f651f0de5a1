package dev.llmlb.testkit.models;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Seeded random weights of a Llama model in HuggingFace naming and layout ({@code model.layers.N.self_attn.q_proj
 * .weight [out, in]} and so on). The same seed always gives the same weights, so the same model can be written in
 * every format and the engines compared. Scales are chosen so that generations depend on the prompt instead of
 * collapsing onto one token.
 */
public final class TinyLlamaWeights {

    private final TinyLlamaConfig config;
    private final int vocabSize;
    private final Map<String, Tensor> tensors = new LinkedHashMap<>();

    private TinyLlamaWeights(TinyLlamaConfig config, int vocabSize) {
        this.config = config;
        this.vocabSize = vocabSize;
    }

    /** Generates the weights of {@code config} for {@link TinyVocabulary}. */
    public static TinyLlamaWeights generate(TinyLlamaConfig config) {
        TinyLlamaWeights weights = new TinyLlamaWeights(config, TinyVocabulary.get().size());
        weights.fill(new SplittableRandom(config.seed()));
        return weights;
    }

    private void fill(SplittableRandom random) {
        int h = config.hiddenSize();
        int kv = config.kvDim();
        int ffn = config.intermediateSize();
        add(random, "model.embed_tokens.weight", 1.0f, vocabSize, h);
        for (int l = 0; l < config.layers(); l++) {
            String p = "model.layers." + l + ".";
            norm(random, p + "input_layernorm.weight", h);
            add(random, p + "self_attn.q_proj.weight", scale(h), h, h);
            add(random, p + "self_attn.k_proj.weight", scale(h), kv, h);
            add(random, p + "self_attn.v_proj.weight", scale(h), kv, h);
            add(random, p + "self_attn.o_proj.weight", scale(h), h, h);
            norm(random, p + "post_attention_layernorm.weight", h);
            add(random, p + "mlp.gate_proj.weight", scale(h), ffn, h);
            add(random, p + "mlp.up_proj.weight", scale(h), ffn, h);
            add(random, p + "mlp.down_proj.weight", scale(ffn), h, ffn);
        }
        norm(random, "model.norm.weight", h);
        if (!config.tiedEmbeddings()) {
            add(random, "lm_head.weight", 2.0f / (float) Math.sqrt(h), vocabSize, h);
        }
        if (config.architecture().attentionBias()) {
            // Drawn after every other tensor, so a Qwen2 model shares its other weights with the Llama model of the
            // same seed; large enough to change the attention pattern.
            for (int l = 0; l < config.layers(); l++) {
                String p = "model.layers." + l + ".self_attn.";
                vector(random, p + "q_proj.bias", 0.5f, h);
                vector(random, p + "k_proj.bias", 0.5f, kv);
                vector(random, p + "v_proj.bias", 0.5f, kv);
            }
        }
        quietByteTokens(outputProjection());
    }

    /**
     * Shrinks the output rows of the byte-fallback tokens, so that the model mostly writes printable pieces
     * (readable in a demo, valid UTF-8 in tests) while bytes stay possible.
     */
    private static void quietByteTokens(Tensor output) {
        int cols = output.shape()[1];
        for (int token = TinyVocabulary.byteToken(0); token <= TinyVocabulary.byteToken(255); token++) {
            for (int c = 0; c < cols; c++) {
                output.data()[token * cols + c] *= 0.25f;
            }
        }
    }

    private static float scale(int fanIn) {
        return 1.0f / (float) Math.sqrt(fanIn);
    }

    private void add(SplittableRandom random, String name, float std, int rows, int cols) {
        float[] data = new float[rows * cols];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) gaussian(random) * std;
        }
        tensors.put(name, new Tensor(name, new int[] {rows, cols}, data));
    }

    private void vector(SplittableRandom random, String name, float std, int size) {
        float[] data = new float[size];
        for (int i = 0; i < size; i++) {
            data[i] = (float) gaussian(random) * std;
        }
        tensors.put(name, new Tensor(name, new int[] {size}, data));
    }

    private void norm(SplittableRandom random, String name, int size) {
        float[] data = new float[size];
        for (int i = 0; i < size; i++) {
            data[i] = 1.0f + 0.1f * (float) gaussian(random);
        }
        tensors.put(name, new Tensor(name, new int[] {size}, data));
    }

    /** Box-Muller on {@link SplittableRandom}, whose sequence is specified, unlike {@code Random.nextGaussian}. */
    private static double gaussian(SplittableRandom random) {
        double u1 = random.nextDouble();
        double u2 = random.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
    }

    /**
     * Zeroes the output row of end of sequence, so that its logit is always 0: greedy decoding then runs as long as
     * asked (on the generated models), while sampling can still pick it now and then, so a test that needs every
     * token asks for greedy. Returns this.
     */
    public TinyLlamaWeights withoutEndOfSequence() {
        Tensor output = outputProjection();
        int cols = output.shape()[1];
        java.util.Arrays.fill(output.data(), TinyVocabulary.EOS * cols, (TinyVocabulary.EOS + 1) * cols, 0f);
        return this;
    }

    public TinyLlamaConfig config() {
        return config;
    }

    public int vocabSize() {
        return vocabSize;
    }

    /** Every tensor, in a fixed order. */
    public Map<String, Tensor> tensors() {
        return java.util.Collections.unmodifiableMap(tensors);
    }

    public Tensor tensor(String name) {
        Tensor t = tensors.get(name);
        if (t == null) {
            throw new IllegalArgumentException("no tensor " + name);
        }
        return t;
    }

    /** The tensor {@code name} when the model has it, e.g. the optional q/k/v biases. */
    public java.util.Optional<Tensor> optionalTensor(String name) {
        return java.util.Optional.ofNullable(tensors.get(name));
    }

    /**
     * These weights with every value rounded to {@code type}, as a file of that type stores them: the reference run
     * on the rounded weights is what an engine that widens a BF16 or F16 file to F32 must reproduce.
     */
    public TinyLlamaWeights roundedTo(TensorType type) {
        TinyLlamaWeights rounded = new TinyLlamaWeights(config, vocabSize);
        for (Tensor t : tensors.values()) {
            float[] data = new float[t.data().length];
            for (int i = 0; i < data.length; i++) {
                data[i] = type.round(t.data()[i]);
            }
            rounded.tensors.put(t.name(), new Tensor(t.name(), t.shape().clone(), data));
        }
        return rounded;
    }

    /** The output projection: {@code lm_head.weight}, or the embeddings when tied. */
    public Tensor outputProjection() {
        return config.tiedEmbeddings() ? tensor("model.embed_tokens.weight") : tensor("lm_head.weight");
    }

    /** Parameters in all tensors. */
    public long parameterCount() {
        return tensors.values().stream().mapToLong(t -> t.data().length).sum();
    }
}
