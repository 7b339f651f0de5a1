package dev.llmlb.testkit.models;

import java.util.List;

import static dev.llmlb.testkit.models.OnnxGraph.BOOL;
import static dev.llmlb.testkit.models.OnnxGraph.FLOAT;
import static dev.llmlb.testkit.models.OnnxGraph.FLOAT16;
import static dev.llmlb.testkit.models.OnnxGraph.INT32;
import static dev.llmlb.testkit.models.OnnxGraph.INT64;
import static dev.llmlb.testkit.models.OnnxGraph.attr;
import static dev.llmlb.testkit.models.OnnxGraph.ints;

/**
 * Builds the decoder graph of a Llama model (Qwen2 too: q/k/v biases) the way HuggingFace Optimum exports one, from
 * standard opset-17 ops: token embedding, RMSNorm, rotary embeddings in the "rotate half" layout (cos/sin tables gathered by position),
 * grouped-query attention over the concatenated KV cache with an additive causal and padding mask built from
 * {@code attention_mask}, SwiGLU, final norm and output projection. Linear weights are stored as {@code [in, out]}
 * so each projection is one {@code MatMul}, as exporters do.
 *
 * <p>With {@link OnnxWriter.Signature#onnxRuntimeGenAi()}, attention is ONNX Runtime's {@code GroupQueryAttention}
 * (rotary embedding inside it, cos and sin tables of half the head size) as ONNX Runtime GenAI's model builder writes
 * it: {@code seqlens_k} is each sequence's mask sum minus one and {@code total_sequence_length} the mask's width, so
 * a batch's caches are right-padded and every sequence attends over its own length.
 */
final class LlamaOnnxGraph {

    private final TinyLlamaWeights weights;
    private final TinyLlamaConfig config;
    private final OnnxWriter.Signature signature;
    private final OnnxGraph g = new OnnxGraph();

    LlamaOnnxGraph(TinyLlamaWeights weights, OnnxWriter.Signature signature) {
        this.weights = weights;
        this.config = weights.config();
        this.signature = signature;
    }

    OnnxGraph build() {
        int kvHeads = config.kvHeads();
        int headDim = config.headDim();
        int cacheType = signature.float16Cache() ? FLOAT16 : FLOAT;
        g.input("input_ids", INT64, "batch_size", "sequence_length");
        g.input("attention_mask", INT64, "batch_size", "total_sequence_length");
        if (signature.positionIds()) {
            g.input("position_ids", INT64, "batch_size", "sequence_length");
        }
        if (signature.pastKeyValues()) {
            for (int l = 0; l < config.layers(); l++) {
                for (String kind : List.of("key", "value")) {
                    g.input("past_key_values." + l + "." + kind, cacheType, "batch_size", (long) kvHeads,
                            "past_sequence_length", (long) headDim);
                }
            }
        }
        if (signature.useCacheBranch()) {
            // Optimum's merged decoders take this flag; a graph without branches may ignore it.
            g.input("use_cache_branch", BOOL, 1L);
        }

        if (signature.groupQueryAttention()) {
            return finish(groupQueryDecoder());
        }
        String seqLen = g.op("Shape", List.of("input_ids"), attr("start", 1), attr("end", 2));
        String total = g.op("Shape", List.of("attention_mask"), attr("start", 1), attr("end", 2));
        String past = g.op("Sub", List.of(total, seqLen));
        String axis0 = g.int64s(0);
        String totalScalar = g.op("Squeeze", List.of(total, axis0));
        String pastScalar = g.op("Squeeze", List.of(past, axis0));
        String keyPositions = g.op("Range", List.of(g.int64(0), totalScalar, g.int64(1)));
        String queryPositions = g.op("Range", List.of(pastScalar, totalScalar, g.int64(1)));
        String mask = attentionMask(keyPositions, queryPositions);

        String positions = signature.positionIds() ? "position_ids"
                : g.op("Unsqueeze", List.of(queryPositions, axis0));
        String[] tables = ropeTables();
        // [batch, seq, headDim] -> [batch, 1, seq, headDim], broadcast over the heads.
        String headAxis = g.int64s(1);
        String cos = g.op("Unsqueeze", List.of(g.op("Gather", List.of(tables[0], positions)), headAxis));
        String sin = g.op("Unsqueeze", List.of(g.op("Gather", List.of(tables[1], positions)), headAxis));

        String x = embed();
        for (int l = 0; l < config.layers(); l++) {
            x = layer(l, x, mask, cos, sin);
        }
        return finish(x);
    }

    private String embed() {
        return g.op("Gather", List.of(g.weight("model.embed_tokens.weight",
                dims(weights.vocabSize(), config.hiddenSize()), weights.tensor("model.embed_tokens.weight").data()),
                "input_ids"));
    }

    /** Final norm, output projection and the graph's outputs. */
    private OnnxGraph finish(String x) {
        int kvHeads = config.kvHeads();
        int headDim = config.headDim();
        int cacheType = signature.float16Cache() ? FLOAT16 : FLOAT;
        String normed = rmsNorm(x, "model.norm.weight");
        String projection = config.tiedEmbeddings()
                ? g.op("Transpose", List.of("model.embed_tokens.weight"), ints("perm", 1, 0))
                : linear("lm_head.weight");
        g.op("MatMul", List.of(normed, projection), "logits");
        g.output("logits", FLOAT, "batch_size", "sequence_length", (long) weights.vocabSize());
        if (signature.pastKeyValues()) {
            for (int l = 0; l < config.layers(); l++) {
                for (String kind : List.of("key", "value")) {
                    g.output("present." + l + "." + kind, cacheType, "batch_size", (long) kvHeads,
                            "total_sequence_length", (long) headDim);
                }
            }
        }
        return g;
    }

    /** The blocks of a GroupQueryAttention graph, from the embeddings to the last block's output. */
    private String groupQueryDecoder() {
        String seqlensK = g.op("Cast", List.of(g.op("Sub", List.of(
                g.op("ReduceSum", List.of("attention_mask", g.int64s(1)), attr("keepdims", 0)), g.int64(1)))),
                attr("to", INT32));
        String total = g.op("Cast", List.of(g.op("Gather", List.of(g.op("Shape", List.of("attention_mask")),
                g.int64(1)))), attr("to", INT32));
        int half = config.headDim() / 2;
        int positions = config.contextLength();
        float[] cos = new float[positions * half];
        float[] sin = new float[positions * half];
        for (int p = 0; p < positions; p++) {
            for (int i = 0; i < half; i++) {
                double theta = p * config.inverseFrequency(i);
                cos[p * half + i] = (float) Math.cos(theta);
                sin[p * half + i] = (float) Math.sin(theta);
            }
        }
        String cosCache = g.weight("rotary.cos_cache", dims(positions, half), cos);
        String sinCache = g.weight("rotary.sin_cache", dims(positions, half), sin);
        String x = embed();
        for (int l = 0; l < config.layers(); l++) {
            String p = "model.layers." + l + ".";
            String normed = rmsNorm(x, p + "input_layernorm.weight");
            String attended = g.name("attention");
            g.microsoftOp("GroupQueryAttention", List.of(projection(normed, p + "self_attn.q_proj"),
                    projection(normed, p + "self_attn.k_proj"), projection(normed, p + "self_attn.v_proj"),
                    "past_key_values." + l + ".key", "past_key_values." + l + ".value", seqlensK, total, cosCache,
                    sinCache), List.of(attended, "present." + l + ".key", "present." + l + ".value"),
                    attr("num_heads", config.heads()), attr("kv_num_heads", config.kvHeads()), attr("do_rotary", 1),
                    attr("rotary_interleaved", 0));
            x = g.op("Add", List.of(x, g.op("MatMul", List.of(attended, linear(p + "self_attn.o_proj.weight")))));
            x = mlp(p, x);
        }
        return x;
    }

    /**
     * {@code [batch, 1, seq, total]}: 0 where query {@code i} (at absolute position {@code past + i}) may see key
     * {@code j} (causal and not padding), a large negative number elsewhere.
     */
    private String attentionMask(String keyPositions, String queryPositions) {
        String causal = g.op("LessOrEqual", List.of(
                g.op("Unsqueeze", List.of(keyPositions, g.int64s(0))),
                g.op("Unsqueeze", List.of(queryPositions, g.int64s(1)))));
        String padding = g.op("Cast", List.of(g.op("Unsqueeze", List.of("attention_mask", g.int64s(1, 2)))),
                attr("to", BOOL));
        String allowed = g.op("And", List.of(causal, padding));
        return g.op("Where", List.of(allowed, g.float32(0f), g.float32(-1e9f)));
    }

    /**
     * cos and sin of every position's angles, each {@code [context, headDim]}, both halves equal; frequencies scaled
     * as the config says (Llama 3), which exporters bake in the same way.
     */
    private String[] ropeTables() {
        int headDim = config.headDim();
        int half = headDim / 2;
        int positions = config.contextLength();
        float[] cos = new float[positions * headDim];
        float[] sin = new float[positions * headDim];
        for (int p = 0; p < positions; p++) {
            for (int i = 0; i < half; i++) {
                double theta = p * config.inverseFrequency(i);
                for (int copy : new int[] {i, i + half}) {
                    cos[p * headDim + copy] = (float) Math.cos(theta);
                    sin[p * headDim + copy] = (float) Math.sin(theta);
                }
            }
        }
        return new String[] {
            g.weight("rotary.cos", dims(positions, headDim), cos),
            g.weight("rotary.sin", dims(positions, headDim), sin),
        };
    }

    private String layer(int l, String x, String mask, String cos, String sin) {
        String p = "model.layers." + l + ".";
        int headDim = config.headDim();
        String normed = rmsNorm(x, p + "input_layernorm.weight");
        String q = heads(projection(normed, p + "self_attn.q_proj"), config.heads());
        String k = heads(projection(normed, p + "self_attn.k_proj"), config.kvHeads());
        String v = heads(projection(normed, p + "self_attn.v_proj"), config.kvHeads());
        q = rope(q, cos, sin);
        k = rope(k, cos, sin);
        if (signature.pastKeyValues()) {
            k = cache(l, "key", k);
            v = cache(l, "value", v);
        }
        k = repeatKv(k);
        v = repeatKv(v);
        String scores = g.op("MatMul", List.of(q, g.op("Transpose", List.of(k), ints("perm", 0, 1, 3, 2))));
        scores = g.op("Mul", List.of(scores, g.float32((float) (1.0 / Math.sqrt(headDim)))));
        String probs = g.op("Softmax", List.of(g.op("Add", List.of(scores, mask))), attr("axis", -1));
        String context = g.op("MatMul", List.of(probs, v));
        context = g.op("Transpose", List.of(context), ints("perm", 0, 2, 1, 3));
        context = g.op("Reshape", List.of(context, g.int64s(0, 0, config.hiddenSize())));
        x = g.op("Add", List.of(x, g.op("MatMul", List.of(context, linear(p + "self_attn.o_proj.weight")))));
        return mlp(p, x);
    }

    /** The post-attention norm and SwiGLU block of layer prefix {@code p}, with its residual. */
    private String mlp(String p, String x) {
        String n2 = rmsNorm(x, p + "post_attention_layernorm.weight");
        String gate = g.op("MatMul", List.of(n2, linear(p + "mlp.gate_proj.weight")));
        String up = g.op("MatMul", List.of(n2, linear(p + "mlp.up_proj.weight")));
        String silu = g.op("Mul", List.of(gate, g.op("Sigmoid", List.of(gate))));
        String down = g.op("MatMul", List.of(g.op("Mul", List.of(silu, up)), linear(p + "mlp.down_proj.weight")));
        return g.op("Add", List.of(x, down));
    }

    /** The past keys or values of layer {@code l} followed by the new ones: the layer's {@code present} output. */
    private String cache(int l, String kind, String fresh) {
        String past = "past_key_values." + l + "." + kind;
        String present = "present." + l + "." + kind;
        if (!signature.float16Cache()) {
            return g.op("Concat", List.of(past, fresh), present, attr("axis", 2));
        }
        String widened = g.op("Cast", List.of(past), attr("to", FLOAT));
        String all = g.op("Concat", List.of(widened, fresh), attr("axis", 2));
        g.op("Cast", List.of(all), present, attr("to", FLOAT16));
        return all;
    }

    /** {@code x} times {@code prefix.weight}, plus {@code prefix.bias} when the model has one (Qwen2's q/k/v). */
    private String projection(String x, String prefix) {
        String out = g.op("MatMul", List.of(x, linear(prefix + ".weight")));
        return weights.optionalTensor(prefix + ".bias")
                .map(bias -> g.op("Add", List.of(out, g.weight(bias.name(), dims(bias.shape()[0]), bias.data()))))
                .orElse(out);
    }

    /** {@code [batch, seq, heads*headDim]} to {@code [batch, heads, seq, headDim]}. */
    private String heads(String x, int count) {
        String split = g.op("Reshape", List.of(x, g.int64s(0, 0, count, config.headDim())));
        return g.op("Transpose", List.of(split), ints("perm", 0, 2, 1, 3));
    }

    /** {@code x * cos + rotate_half(x) * sin}, where rotate_half(x) is {@code [-x2, x1]}. */
    private String rope(String x, String cos, String sin) {
        int half = config.headDim() / 2;
        String axis = g.int64s(3);
        String x1 = g.op("Slice", List.of(x, g.int64s(0), g.int64s(half), axis));
        String x2 = g.op("Slice", List.of(x, g.int64s(half), g.int64s(Long.MAX_VALUE), axis));
        String rotated = g.op("Concat", List.of(g.op("Neg", List.of(x2)), x1), attr("axis", -1));
        return g.op("Add", List.of(g.op("Mul", List.of(x, cos)), g.op("Mul", List.of(rotated, sin))));
    }

    /** Grouped-query attention: each KV head serves {@code heads / kvHeads} query heads. */
    private String repeatKv(String kv) {
        int group = config.heads() / config.kvHeads();
        if (group == 1) {
            return kv;
        }
        String widened = g.op("Unsqueeze", List.of(kv, g.int64s(2)));
        String expanded = g.op("Expand", List.of(widened, g.int64s(1, 1, group, 1, 1)));
        return g.op("Reshape", List.of(expanded, g.int64s(0, config.heads(), -1, config.headDim())));
    }

    private String rmsNorm(String x, String weightName) {
        String meanSquare = g.op("ReduceMean", List.of(g.op("Mul", List.of(x, x))), ints("axes", -1),
                attr("keepdims", 1));
        String rms = g.op("Sqrt", List.of(g.op("Add", List.of(meanSquare, g.float32(config.rmsEps())))));
        Tensor w = weights.tensor(weightName);
        return g.op("Mul", List.of(g.op("Div", List.of(x, rms)), g.weight(weightName, dims(w.shape()[0]), w.data())));
    }

    /** A HuggingFace {@code [out, in]} weight stored transposed as {@code [in, out]}. */
    private String linear(String name) {
        Tensor w = weights.tensor(name);
        int out = w.shape()[0];
        int in = w.shape()[1];
        float[] transposed = new float[w.data().length];
        for (int r = 0; r < out; r++) {
            for (int c = 0; c < in; c++) {
                transposed[c * out + r] = w.data()[r * in + c];
            }
        }
        return g.weight(name, dims(in, out), transposed);
    }

    private static long[] dims(int... values) {
        long[] out = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }
}
