package dev.llmlb.engine.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import dev.llmlb.api.engine.EngineException;

import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The Llama decoder in DJL NDArray operations on PyTorch, in F32, with a key/value cache so that each new token
 * costs one step: embedding; per layer RMSNorm, fused q/k/v projection (with Qwen2's biases), rotary embedding in
 * transformers' "rotate half" layout, grouped-query attention over the cache, output projection, RMSNorm, fused
 * SwiGLU; final RMSNorm; output projection (tied or not).
 *
 * <p>One generation at a time: {@link #reset()} starts a new sequence, {@link #step} feeds tokens at the next
 * positions. Every intermediate array of a step lives in an {@link NDScope} and is freed when the step ends.
 */
final class LlamaDecoder implements AutoCloseable {

    /** One decoder block's weights; {@code qkvBias} and {@code outBias} are null when the model has none. */
    private record Layer(NDArray inputNorm, NDArray qkv, NDArray qkvBias, NDArray out, NDArray outBias,
                         NDArray postNorm, NDArray gateUp, NDArray down) {
    }

    private final LlamaSpec spec;
    private final NDManager manager;
    private final int context;
    private final NDArray embed;
    private final List<Layer> layers;
    private final NDArray norm;
    private final NDArray lmHead;
    private final NDArray cos;
    private final NDArray sin;
    private final NDArray[] keys;
    private final NDArray[] values;
    private final float scale;
    private int position;

    private LlamaDecoder(LlamaSpec spec, NDManager manager, int context, NDArray embed, List<Layer> layers,
                         NDArray norm, NDArray lmHead) {
        this.spec = spec;
        this.manager = manager;
        this.context = context;
        this.embed = embed;
        this.layers = layers;
        this.norm = norm;
        this.lmHead = lmHead;
        this.scale = (float) (1.0 / Math.sqrt(spec.headDim()));
        NDArray[] tables = rotaryTables(spec, context, manager);
        this.cos = tables[0];
        this.sin = tables[1];
        this.keys = new NDArray[spec.layers()];
        this.values = new NDArray[spec.layers()];
        Shape cacheShape = new Shape(spec.kvHeads(), context, spec.headDim());
        for (int l = 0; l < spec.layers(); l++) {
            keys[l] = manager.zeros(cacheShape, DataType.FLOAT32);
            values[l] = manager.zeros(cacheShape, DataType.FLOAT32);
        }
    }

    /**
     * Loads the weights into {@code manager} (which the decoder then owns) and allocates the cache for
     * {@code context} positions.
     */
    static LlamaDecoder load(SafetensorsFiles files, LlamaSpec spec, NDManager manager, int context) {
        NDArray embed = tensor(manager, files.require("model.embed_tokens.weight"));
        List<Layer> layers = new ArrayList<>();
        for (int l = 0; l < spec.layers(); l++) {
            String p = "model.layers." + l + ".";
            NDArray qkv = concat(manager, files, p + "self_attn.q_proj.weight", p + "self_attn.k_proj.weight",
                    p + "self_attn.v_proj.weight");
            NDArray qkvBias = files.find(p + "self_attn.q_proj.bias").isPresent()
                    ? concat(manager, files, p + "self_attn.q_proj.bias", p + "self_attn.k_proj.bias",
                    p + "self_attn.v_proj.bias")
                    : null;
            NDArray outBias = files.find(p + "self_attn.o_proj.bias").map(e -> tensor(manager, e)).orElse(null);
            layers.add(new Layer(tensor(manager, files.require(p + "input_layernorm.weight")), qkv, qkvBias,
                    tensor(manager, files.require(p + "self_attn.o_proj.weight")), outBias,
                    tensor(manager, files.require(p + "post_attention_layernorm.weight")),
                    concat(manager, files, p + "mlp.gate_proj.weight", p + "mlp.up_proj.weight"),
                    tensor(manager, files.require(p + "mlp.down_proj.weight"))));
        }
        NDArray norm = tensor(manager, files.require("model.norm.weight"));
        Optional<SafetensorsFiles.Entry> head = files.find("lm_head.weight");
        if (head.isEmpty() && !spec.tiedEmbeddings()) {
            // Some checkpoints leave the flag out although they tie; without lm_head.weight there is no other choice.
            System.getLogger(LlamaDecoder.class.getName()).log(System.Logger.Level.DEBUG,
                    "no lm_head.weight: using the input embeddings as the output projection");
        }
        NDArray lmHead = head.isPresent() && !spec.tiedEmbeddings() ? tensor(manager, head.get()) : embed;
        checkShape(embed, spec.vocab(), spec.hidden(), "model.embed_tokens.weight");
        checkShape(lmHead, spec.vocab(), spec.hidden(), "lm_head.weight");
        checkShape(layers.get(0).qkv(), spec.queryDim() + 2L * spec.kvDim(), spec.hidden(), "q/k/v projections");
        return new LlamaDecoder(spec, manager, context, embed, List.copyOf(layers), norm, lmHead);
    }

    private static void checkShape(NDArray array, long rows, long cols, String name) {
        if (!array.getShape().equals(new Shape(rows, cols))) {
            throw new EngineException(name + " has shape " + array.getShape() + "; config.json implies ("
                    + rows + ", " + cols + ")");
        }
    }

    /** A tensor widened to F32 on the manager's device. */
    static NDArray tensor(NDManager manager, SafetensorsFiles.Entry entry) {
        ByteBuffer bytes = SafetensorsFiles.map(entry);
        Shape shape = new Shape(entry.shape());
        if (entry.dtype().equals("BF16")) {
            return widenBf16(manager, bytes, shape);
        }
        // PyTorch wraps a direct buffer without copying it (torch.from_blob) and DJL keeps no reference to the
        // buffer: the weights must own their memory, and the mapping must stay reachable until they are copied out
        // of it, or a garbage collection unmaps it under PyTorch.
        DataType type = entry.dtype().equals("F16") ? DataType.FLOAT16 : DataType.FLOAT32;
        try (NDArray raw = manager.create(bytes, shape, type)) {
            PtNDArray wrapped = (PtNDArray) raw;
            return type == DataType.FLOAT32 ? JniUtils.clone(wrapped)
                    : JniUtils.to(wrapped, DataType.FLOAT32, manager.getDevice());
        } finally {
            Reference.reachabilityFence(bytes);
        }
    }

    /**
     * BF16 widened in Java (an F32 is the BF16 bits followed by 16 zero bits): DJL 0.36 aborts the JVM when it
     * creates a BF16 tensor from a buffer. Converted in chunks, so a large tensor never needs a buffer of its size.
     */
    private static NDArray widenBf16(NDManager manager, ByteBuffer bf16, Shape shape) {
        int count = Math.toIntExact(shape.size());
        int chunk = Math.min(count, 1 << 22);
        ByteBuffer f32 = ByteBuffer.allocateDirect(chunk * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        try (NDArray flat = manager.zeros(new Shape(count), DataType.FLOAT32)) {
            for (int start = 0; start < count; start += chunk) {
                int n = Math.min(chunk, count - start);
                f32.clear();
                for (int i = 0; i < n; i++) {
                    f32.putInt((bf16.getShort((start + i) * 2) & 0xFFFF) << 16);
                }
                f32.flip();
                try (NDArray part = manager.create(f32, new Shape(n), DataType.FLOAT32)) {
                    flat.set(new NDIndex("{}:{}", start, start + n), part);
                }
            }
            try (NDArray shaped = flat.reshape(shape)) {
                return JniUtils.clone((PtNDArray) shaped);
            }
        } finally {
            Reference.reachabilityFence(f32);
            Reference.reachabilityFence(bf16);
        }
    }

    /** Several tensors joined along their first axis, e.g. q, k and v into one projection. */
    private static NDArray concat(NDManager manager, SafetensorsFiles files, String... names) {
        NDList parts = new NDList();
        try {
            for (String name : names) {
                parts.add(tensor(manager, files.require(name)));
            }
            return NDArrays.concat(parts, 0);
        } finally {
            parts.close();
        }
    }

    /** cos and sin of every position times each inverse frequency, repeated for both halves: [context, headDim]. */
    private static NDArray[] rotaryTables(LlamaSpec spec, int context, NDManager manager) {
        int half = spec.headDim() / 2;
        float[] cos = new float[context * spec.headDim()];
        float[] sin = new float[cos.length];
        for (int p = 0; p < context; p++) {
            for (int i = 0; i < half; i++) {
                double angle = p * spec.inverseFrequency()[i];
                int at = p * spec.headDim() + i;
                cos[at] = (float) Math.cos(angle);
                cos[at + half] = cos[at];
                sin[at] = (float) Math.sin(angle);
                sin[at + half] = sin[at];
            }
        }
        Shape shape = new Shape(context, spec.headDim());
        return new NDArray[] {manager.create(cos, shape), manager.create(sin, shape)};
    }

    int context() {
        return context;
    }

    /** Starts a new sequence; the cache is overwritten as positions are fed again. */
    void reset() {
        position = 0;
    }

    /**
     * Feeds {@code tokens} at the next positions and returns the logits for the token after the last one.
     *
     * @throws EngineException when the tokens would pass the end of the cache or an id is outside the vocabulary
     */
    float[] step(int[] tokens) {
        int n = tokens.length;
        if (n == 0 || position + n > context) {
            throw new EngineException("cannot feed " + n + " tokens at position " + position + " of a " + context
                    + "-token context");
        }
        long[] ids = new long[n];
        for (int i = 0; i < n; i++) {
            if (tokens[i] < 0 || tokens[i] >= spec.vocab()) {
                throw new EngineException("token id " + tokens[i] + " is outside the vocabulary of " + spec.vocab());
            }
            ids[i] = tokens[i];
        }
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray x = JniUtils.embedding((PtNDArray) manager.create(ids), (PtNDArray) embed, false);
            NDArray cosNow = cos.get(new NDIndex("{}:{}", position, position + n)).expandDims(1);
            NDArray sinNow = sin.get(new NDIndex("{}:{}", position, position + n)).expandDims(1);
            NDArray mask = n > 1 ? causalMask(n) : null;
            for (int l = 0; l < layers.size(); l++) {
                x = block(l, x, cosNow, sinNow, mask, n);
            }
            NDArray last = rmsNorm(x.get(new NDIndex("{}:", n - 1)), norm);
            float[] logits = linear(last, lmHead, null).toFloatArray();
            position += n;
            return logits;
        }
    }

    /**
     * The final hidden state (after the final norm) at the last of {@code tokens}, fed from position 0: what
     * llama.cpp pools as a decoder's embedding. Starts a new sequence; the cache is overwritten.
     *
     * @throws EngineException when the tokens do not fit the context or an id is outside the vocabulary
     */
    float[] lastHiddenState(int[] tokens) {
        reset();
        int n = tokens.length;
        if (n == 0 || n > context) {
            throw new EngineException("cannot embed " + n + " tokens in a " + context + "-token context");
        }
        long[] ids = new long[n];
        for (int i = 0; i < n; i++) {
            if (tokens[i] < 0 || tokens[i] >= spec.vocab()) {
                throw new EngineException("token id " + tokens[i] + " is outside the vocabulary of " + spec.vocab());
            }
            ids[i] = tokens[i];
        }
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray x = JniUtils.embedding((PtNDArray) manager.create(ids), (PtNDArray) embed, false);
            NDArray cosNow = cos.get(new NDIndex("0:{}", n)).expandDims(1);
            NDArray sinNow = sin.get(new NDIndex("0:{}", n)).expandDims(1);
            NDArray mask = n > 1 ? causalMask(n) : null;
            for (int l = 0; l < layers.size(); l++) {
                x = block(l, x, cosNow, sinNow, mask, n);
            }
            return rmsNorm(x.get(new NDIndex("{}:", n - 1)), norm).toFloatArray();
        }
    }

    private NDArray block(int l, NDArray x, NDArray cosNow, NDArray sinNow, NDArray mask, int n) {
        Layer layer = layers.get(l);
        int q = spec.queryDim();
        int kv = spec.kvDim();
        int d = spec.headDim();
        NDArray qkv = linear(rmsNorm(x, layer.inputNorm()), layer.qkv(), layer.qkvBias());
        // Queries and keys side by side as heads + kvHeads heads: one rotation for both.
        NDArray rotated = rotate(qkv.get(new NDIndex(":, :{}", q + kv)).reshape(n, spec.heads() + spec.kvHeads(), d),
                cosNow, sinNow);
        NDArray query = rotated.get(new NDIndex(":, :{}, :", spec.heads()));
        NDArray key = rotated.get(new NDIndex(":, {}:, :", spec.heads()));
        NDArray value = qkv.get(new NDIndex(":, {}:", q + kv)).reshape(n, spec.kvHeads(), d);
        NDIndex slots = new NDIndex(":, {}:{}, :", position, position + n);
        keys[l].set(slots, key.transpose(1, 0, 2));
        values[l].set(slots, value.transpose(1, 0, 2));
        int seen = position + n;
        NDArray pastKeys = keys[l].get(new NDIndex(":, :{}, :", seen));
        NDArray pastValues = values[l].get(new NDIndex(":, :{}, :", seen));
        int group = spec.heads() / spec.kvHeads();
        // Heads h = kv * group + g share kv head kv: as [kvHeads, group * n, d] one batched matmul serves a group.
        NDArray grouped = query.transpose(1, 0, 2).reshape(spec.kvHeads(), (long) group * n, d);
        NDArray scores = grouped.matMul(pastKeys.transpose(0, 2, 1)).mul(scale);
        if (mask != null) {
            scores = scores.reshape(spec.kvHeads(), group, n, seen).add(mask)
                    .reshape(spec.kvHeads(), (long) group * n, seen);
        }
        NDArray attended = scores.softmax(-1).matMul(pastValues)
                .reshape(spec.heads(), n, d).transpose(1, 0, 2).reshape(n, q);
        NDArray h = x.add(linear(attended, layer.out(), layer.outBias()));
        NDArray gateUp = linear(rmsNorm(h, layer.postNorm()), layer.gateUp(), null);
        int ffn = spec.intermediate();
        NDArray gate = gateUp.get(new NDIndex(":, :{}", ffn));
        NDArray up = gateUp.get(new NDIndex(":, {}:", ffn));
        NDArray activated = gate.mul(Activation.sigmoid(gate)).mul(up);
        return h.add(linear(activated, layer.down(), null));
    }

    /** -inf where key position j lies after query position i (of the n fed now), 0 elsewhere: [n, seen]. */
    private NDArray causalMask(int n) {
        int seen = position + n;
        float[] mask = new float[n * seen];
        for (int i = 0; i < n; i++) {
            for (int j = position + i + 1; j < seen; j++) {
                mask[i * seen + j] = Float.NEGATIVE_INFINITY;
            }
        }
        return manager.create(mask, new Shape(n, seen));
    }

    /** transformers' {@code x * cos + rotate_half(x) * sin}, rotate_half(x) = cat(-x2, x1). */
    private NDArray rotate(NDArray x, NDArray cosNow, NDArray sinNow) {
        int half = spec.headDim() / 2;
        NDArray first = x.get(new NDIndex("..., :{}", half));
        NDArray second = x.get(new NDIndex("..., {}:", half));
        NDArray rotated = NDArrays.concat(new NDList(second.neg(), first), -1);
        return x.mul(cosNow).add(rotated.mul(sinNow));
    }

    private NDArray rmsNorm(NDArray x, NDArray weight) {
        NDArray rms = x.square().mean(new int[] {-1}, true).add(spec.rmsEps()).sqrt();
        return x.div(rms).mul(weight);
    }

    private static NDArray linear(NDArray x, NDArray weight, NDArray bias) {
        return JniUtils.linear((PtNDArray) x, (PtNDArray) weight, (PtNDArray) bias);
    }

    @Override
    public void close() {
        manager.close();
    }
}
