package dev.llmlb.testkit.models;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Seeded random weights of an encoder in HuggingFace naming and layout, as {@code BertModel},
 * {@code RobertaModel}/{@code XLMRobertaModel} and {@code MPNetModel} save them ({@code embeddings.*},
 * {@code encoder.layer.N.*}, {@code pooler.*}; linear weights {@code [out, in]}). Same config, same weights.
 */
public final class TinyBertWeights {

    /** Buckets of MPNet's relative attention bias (transformers' {@code relative_attention_num_buckets}). */
    public static final int RELATIVE_BUCKETS = 32;

    private final TinyBertConfig config;
    private final int vocabSize;
    private final Map<String, Tensor> tensors = new LinkedHashMap<>();

    private TinyBertWeights(TinyBertConfig config) {
        this.config = config;
        this.vocabSize = TinyWordPiece.get().size();
    }

    /** Generates the weights of {@code config} for {@link TinyWordPiece}. */
    public static TinyBertWeights generate(TinyBertConfig config) {
        TinyBertWeights weights = new TinyBertWeights(config);
        weights.fill(new SplittableRandom(config.seed()));
        return weights;
    }

    private void fill(SplittableRandom random) {
        int h = config.hiddenSize();
        int ffn = config.intermediate();
        boolean mpnet = config.family() == TinyBertConfig.Family.MPNET;
        matrix(random, "embeddings.word_embeddings.weight", 1.0f, vocabSize, h);
        matrix(random, "embeddings.position_embeddings.weight", 0.5f, config.positions(), h);
        if (config.family().typeVocabSize() > 0) {
            matrix(random, "embeddings.token_type_embeddings.weight", 0.5f, config.family().typeVocabSize(), h);
        }
        layerNorm(random, "embeddings.LayerNorm", h);
        for (int l = 0; l < config.layers(); l++) {
            String p = "encoder.layer." + l + ".";
            if (mpnet) {
                for (String name : new String[] {"q", "k", "v", "o"}) {
                    linear(random, p + "attention.attn." + name, h, h);
                }
                layerNorm(random, p + "attention.LayerNorm", h);
            } else {
                for (String name : new String[] {"query", "key", "value"}) {
                    linear(random, p + "attention.self." + name, h, h);
                }
                linear(random, p + "attention.output.dense", h, h);
                layerNorm(random, p + "attention.output.LayerNorm", h);
            }
            linear(random, p + "intermediate.dense", ffn, h);
            linear(random, p + "output.dense", h, ffn);
            layerNorm(random, p + "output.LayerNorm", h);
        }
        if (mpnet) {
            // Large enough that the relative positions change the attention pattern.
            matrix(random, "encoder.relative_attention_bias.weight", 1.0f, RELATIVE_BUCKETS, config.heads());
        }
        // BertModel's pooler, saved by sentence-transformers and unused by its embeddings.
        linear(random, "pooler.dense", h, h);
    }

    private void linear(SplittableRandom random, String prefix, int out, int in) {
        matrix(random, prefix + ".weight", 1.5f / (float) Math.sqrt(in), out, in);
        vector(random, prefix + ".bias", 0.1f, 0f, out);
    }

    private void layerNorm(SplittableRandom random, String prefix, int size) {
        vector(random, prefix + ".weight", 0.1f, 1f, size);
        vector(random, prefix + ".bias", 0.1f, 0f, size);
    }

    private void matrix(SplittableRandom random, String name, float std, int rows, int cols) {
        float[] data = new float[rows * cols];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) gaussian(random) * std;
        }
        tensors.put(name, new Tensor(name, new int[] {rows, cols}, data));
    }

    private void vector(SplittableRandom random, String name, float std, float mean, int size) {
        float[] data = new float[size];
        for (int i = 0; i < size; i++) {
            data[i] = mean + (float) gaussian(random) * std;
        }
        tensors.put(name, new Tensor(name, new int[] {size}, data));
    }

    /** Box-Muller on {@link SplittableRandom}, whose sequence is specified. */
    private static double gaussian(SplittableRandom random) {
        double u1 = random.nextDouble();
        double u2 = random.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
    }

    public TinyBertConfig config() {
        return config;
    }

    public int vocabSize() {
        return vocabSize;
    }

    /** Every tensor, in a fixed order. */
    public Map<String, Tensor> tensors() {
        return Collections.unmodifiableMap(tensors);
    }

    public Tensor tensor(String name) {
        Tensor t = tensors.get(name);
        if (t == null) {
            throw new IllegalArgumentException("no tensor " + name);
        }
        return t;
    }

    /** Parameters in all tensors. */
    public long parameterCount() {
        return tensors.values().stream().mapToLong(t -> t.data().length).sum();
    }
}
