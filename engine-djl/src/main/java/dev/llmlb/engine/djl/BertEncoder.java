package dev.llmlb.engine.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import dev.llmlb.api.engine.EngineException;
import dev.llmlb.engine.hf.HfConfig;
import dev.llmlb.engine.hf.embed.EncoderFamily;
import dev.llmlb.engine.hf.embed.TokenEncoder;

import java.util.ArrayList;
import java.util.List;

/**
 * The encoders of the BERT family in DJL NDArray operations on PyTorch, in F32, over padded batches: BERT (absolute
 * positions, token types), RoBERTa and XLM-RoBERTa (positions counted after the padding id, one token type) and MPNet
 * (positions after the padding id, no token types, a relative position bias shared by every layer). Per layer:
 * self-attention with the padding masked out, residual and LayerNorm, exact-GELU feed-forward, residual and LayerNorm.
 * Weights named as {@code BertModel}, {@code RobertaModel} and {@code MPNetModel} save them, with or without the
 * prefix a task model adds ({@code bert.}, {@code roberta.}, {@code mpnet.}).
 */
final class BertEncoder implements TokenEncoder {

    /** MPNet's relative attention buckets and their reach (transformers' defaults). */
    static final int RELATIVE_BUCKETS = 32;
    static final int RELATIVE_MAX_DISTANCE = 128;

    private record Layer(NDArray query, NDArray queryBias, NDArray key, NDArray keyBias, NDArray value,
                         NDArray valueBias, NDArray out, NDArray outBias, NDArray norm1, NDArray norm1Bias,
                         NDArray inner, NDArray innerBias, NDArray down, NDArray downBias, NDArray norm2,
                         NDArray norm2Bias) {
    }

    private final EncoderFamily family;
    private final NDManager manager;
    private final int hidden;
    private final int heads;
    private final int padId;
    private final int firstPosition;
    private final double eps;
    private final NDArray words;
    private final NDArray positions;
    private final NDArray tokenType;
    private final NDArray embedNorm;
    private final NDArray embedNormBias;
    private final List<Layer> layers;
    private final NDArray relativeBias;

    private BertEncoder(EncoderFamily family, HfConfig config, NDManager manager, Weights w) {
        this.family = family;
        this.manager = manager;
        this.hidden = config.hiddenSize();
        this.heads = config.numAttentionHeads();
        this.padId = config.integer("pad_token_id").orElse(family == EncoderFamily.BERT ? 0 : 1);
        this.firstPosition = family.firstPosition(config);
        this.eps = config.number("layer_norm_eps").orElse(1e-12);
        if (hidden % heads != 0) {
            throw new EngineException("hidden_size " + hidden + " is not a multiple of num_attention_heads " + heads);
        }
        boolean mpnet = family == EncoderFamily.MPNET;
        this.words = w.require("embeddings.word_embeddings.weight");
        this.positions = w.require("embeddings.position_embeddings.weight");
        // BERT adds the row of token type 0 (every input is one segment); MPNet has no token types.
        this.tokenType = w.optional("embeddings.token_type_embeddings.weight").map(t -> t.get(0)).orElse(null);
        this.embedNorm = w.require("embeddings.LayerNorm.weight");
        this.embedNormBias = w.require("embeddings.LayerNorm.bias");
        List<Layer> list = new ArrayList<>();
        for (int l = 0; l < config.numHiddenLayers(); l++) {
            String p = "encoder.layer." + l + ".";
            String q = mpnet ? p + "attention.attn.q" : p + "attention.self.query";
            String k = mpnet ? p + "attention.attn.k" : p + "attention.self.key";
            String v = mpnet ? p + "attention.attn.v" : p + "attention.self.value";
            String o = mpnet ? p + "attention.attn.o" : p + "attention.output.dense";
            String n1 = mpnet ? p + "attention.LayerNorm" : p + "attention.output.LayerNorm";
            list.add(new Layer(w.require(q + ".weight"), w.require(q + ".bias"), w.require(k + ".weight"),
                    w.require(k + ".bias"), w.require(v + ".weight"), w.require(v + ".bias"), w.require(o + ".weight"),
                    w.require(o + ".bias"), w.require(n1 + ".weight"), w.require(n1 + ".bias"),
                    w.require(p + "intermediate.dense.weight"), w.require(p + "intermediate.dense.bias"),
                    w.require(p + "output.dense.weight"), w.require(p + "output.dense.bias"),
                    w.require(p + "output.LayerNorm.weight"), w.require(p + "output.LayerNorm.bias")));
        }
        this.layers = List.copyOf(list);
        this.relativeBias = mpnet ? w.require("encoder.relative_attention_bias.weight") : null;
        if (!words.getShape().equals(new Shape(config.vocabSize(), hidden))) {
            throw new EngineException("embeddings.word_embeddings.weight has shape " + words.getShape()
                    + "; config.json implies (" + config.vocabSize() + ", " + hidden + ")");
        }
    }

    /** The weights of one model: tensors found under the name or the task model's prefix, widened to F32. */
    private record Weights(SafetensorsFiles files, String prefix, NDManager manager) {

        java.util.Optional<NDArray> optional(String name) {
            return files.find(prefix + name).map(entry -> LlamaWeights.tensor(manager, entry));
        }

        NDArray require(String name) {
            return optional(name).orElseThrow(() -> new EngineException("the weights have no tensor " + prefix + name));
        }
    }

    /** Loads the weights into {@code manager}, which the encoder then owns. */
    static BertEncoder load(SafetensorsFiles files, HfConfig config, EncoderFamily family, NDManager manager) {
        String prefix = "";
        if (files.find("embeddings.word_embeddings.weight").isEmpty()) {
            prefix = java.util.stream.Stream.of(config.modelType().replace('-', '_') + ".", "bert.", "roberta.",
                    "mpnet.").filter(p -> files.find(p + "embeddings.word_embeddings.weight").isPresent())
                    .findFirst().orElseThrow(() -> new EngineException("the weights have no "
                            + "embeddings.word_embeddings.weight, with or without a model prefix"));
        }
        return new BertEncoder(family, config, manager, new Weights(files, prefix, manager));
    }

    @Override
    public int hiddenSize() {
        return hidden;
    }

    @Override
    public float[] hiddenStates(int[][] rows, int length) {
        int batch = rows.length;
        long[] ids = new long[batch * length];
        long[] positionIds = new long[batch * length];
        float[] mask = new float[batch * length];
        for (int r = 0; r < batch; r++) {
            int counted = 0;
            for (int p = 0; p < length; p++) {
                int at = r * length + p;
                boolean real = p < rows[r].length;
                ids[at] = real ? rows[r][p] : padId;
                mask[at] = real ? 0f : -1e9f;
                if (family == EncoderFamily.BERT) {
                    positionIds[at] = p;
                } else {
                    // transformers' create_position_ids_from_input_ids: the padding id keeps position padId.
                    positionIds[at] = ids[at] == padId ? padId : firstPosition + counted++;
                }
            }
        }
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            Shape shape = new Shape(batch, length);
            NDArray x = embedding(manager.create(ids, shape), words)
                    .add(embedding(manager.create(positionIds, shape), positions));
            if (tokenType != null) {
                x = x.add(tokenType);
            }
            x = layerNorm(x, embedNorm, embedNormBias);
            NDArray additive = manager.create(mask, new Shape(batch, 1, 1, length));
            if (relativeBias != null) {
                additive = additive.add(relativeBias(length));
            }
            for (Layer layer : layers) {
                x = layer(layer, x, additive, batch, length);
            }
            return x.toType(DataType.FLOAT32, false).toFloatArray();
        }
    }

    private NDArray layer(Layer w, NDArray x, NDArray additive, int batch, int length) {
        int d = hidden / heads;
        NDArray q = linear(x, w.query(), w.queryBias()).reshape(batch, length, heads, d).transpose(0, 2, 1, 3);
        NDArray k = linear(x, w.key(), w.keyBias()).reshape(batch, length, heads, d).transpose(0, 2, 3, 1);
        NDArray v = linear(x, w.value(), w.valueBias()).reshape(batch, length, heads, d).transpose(0, 2, 1, 3);
        NDArray scores = q.matMul(k).mul((float) (1.0 / Math.sqrt(d))).add(additive);
        NDArray context = scores.softmax(-1).matMul(v).transpose(0, 2, 1, 3).reshape(batch, length, hidden);
        NDArray x1 = layerNorm(linear(context, w.out(), w.outBias()).add(x), w.norm1(), w.norm1Bias());
        NDArray inner = JniUtils.gelu((PtNDArray) linear(x1, w.inner(), w.innerBias()));
        return layerNorm(linear(inner, w.down(), w.downBias()).add(x1), w.norm2(), w.norm2Bias());
    }

    /** MPNet's bias {@code [1, heads, length, length]}: the learned value of each relative position's bucket. */
    private NDArray relativeBias(int length) {
        long[] buckets = new long[length * length];
        for (int i = 0; i < length; i++) {
            for (int j = 0; j < length; j++) {
                buckets[i * length + j] = relativeBucket(j - i);
            }
        }
        NDArray values = embedding(manager.create(buckets, new Shape(length, length)), relativeBias);
        return values.transpose(2, 0, 1).expandDims(0);
    }

    /**
     * transformers' {@code MPNetAttention.relative_position_bucket} for {@code memory - query}: half the buckets per
     * direction, exact below a quarter of them, logarithmic up to {@link #RELATIVE_MAX_DISTANCE}, in float32 as
     * PyTorch computes it.
     */
    static int relativeBucket(int relative) {
        int half = RELATIVE_BUCKETS / 2;
        int bucket = relative > 0 ? half : 0;
        int n = Math.abs(relative);
        int exact = half / 2;
        if (n < exact) {
            return bucket + n;
        }
        float log = (float) Math.log((float) n / exact);
        int large = exact + (int) (log / (float) Math.log((double) RELATIVE_MAX_DISTANCE / exact) * (half - exact));
        return bucket + Math.min(large, half - 1);
    }

    private static NDArray embedding(NDArray ids, NDArray table) {
        return JniUtils.embedding((PtNDArray) ids, (PtNDArray) table, false);
    }

    private NDArray layerNorm(NDArray x, NDArray gamma, NDArray beta) {
        return JniUtils.layerNorm((PtNDArray) x, new Shape(hidden), (PtNDArray) gamma, (PtNDArray) beta, eps);
    }

    private static NDArray linear(NDArray x, NDArray weight, NDArray bias) {
        return JniUtils.linear((PtNDArray) x, (PtNDArray) weight, (PtNDArray) bias);
    }

    @Override
    public void close() {
        manager.close();
    }
}
