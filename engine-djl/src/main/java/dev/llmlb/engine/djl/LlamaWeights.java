package dev.llmlb.engine.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
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
 * A Llama-family decoder's weights as F32 PyTorch tensors, prepared so that the forward pass runs few operations per
 * layer:
 * <ul>
 *   <li>q, k and v join into one projection (with Qwen2's biases), gate and up into another;</li>
 *   <li>each RMSNorm's weight is multiplied into the columns of the projection that follows it (q/k/v after the
 *       input norm, gate/up after the post-attention norm), so a norm is only {@code x / rms(x)};</li>
 *   <li>the q rows are scaled by {@code 1 / sqrt(head_dim)}, the attention scale (exact when head_dim is a power of
 *       4, as 64 is);</li>
 *   <li>within each q and k head the rows are reordered from transformers' "rotate half" layout (dimension i pairs
 *       with i + head_dim/2) to adjacent pairs (2i, 2i+1), so that the rotary embedding is one complex
 *       multiplication. Attention scores are sums over a head's dimensions, the same in any order; values keep
 *       their order.</li>
 * </ul>
 * Mathematically the model is unchanged; roundings differ from transformers' order in the last bits.
 *
 * @param lmHead the output projection: {@code lm_head.weight}, or the embeddings when tied
 */
record LlamaWeights(NDArray embed, List<Layer> layers, NDArray norm, NDArray lmHead) {

    /**
     * One decoder block's weights, prepared as the class says; {@code qkvBias} and {@code outBias} are null when the
     * model has none.
     */
    record Layer(NDArray qkv, NDArray qkvBias, NDArray out, NDArray outBias, NDArray gateUp, NDArray down) {
    }

    /** Loads every weight into {@code manager}, widened to F32, and checks the shapes against {@code spec}. */
    static LlamaWeights load(SafetensorsFiles files, LlamaSpec spec, NDManager manager) {
        NDArray embed = tensor(manager, files.require("model.embed_tokens.weight"));
        PtNDArray order = (PtNDArray) manager.create(qkvOrder(spec));
        PtNDArray rowScale = (PtNDArray) manager.create(qkvScale(spec), new Shape(order.size(), 1));
        List<Layer> layers = new ArrayList<>();
        for (int l = 0; l < spec.layers(); l++) {
            String p = "model.layers." + l + ".";
            NDArray qkv;
            try (NDArray joined = concat(manager, files, p + "self_attn.q_proj.weight", p + "self_attn.k_proj.weight",
                    p + "self_attn.v_proj.weight");
                 NDArray norm = tensor(manager, files.require(p + "input_layernorm.weight"))) {
                checkShape(joined, order.size(), spec.hidden(), "q/k/v projections of layer " + l);
                qkv = prepareQkv((PtNDArray) joined, (PtNDArray) norm, order, rowScale);
            }
            NDArray qkvBias = null;
            if (files.find(p + "self_attn.q_proj.bias").isPresent()) {
                try (NDArray joined = concat(manager, files, p + "self_attn.q_proj.bias",
                        p + "self_attn.k_proj.bias", p + "self_attn.v_proj.bias")) {
                    qkvBias = prepareBias((PtNDArray) joined, order, rowScale);
                }
            }
            NDArray outBias = files.find(p + "self_attn.o_proj.bias").map(e -> tensor(manager, e)).orElse(null);
            NDArray gateUp;
            try (NDArray joined = concat(manager, files, p + "mlp.gate_proj.weight", p + "mlp.up_proj.weight");
                 NDArray norm = tensor(manager, files.require(p + "post_attention_layernorm.weight"))) {
                gateUp = JniUtils.mul((PtNDArray) joined, (PtNDArray) norm);
            }
            layers.add(new Layer(qkv, qkvBias, tensor(manager, files.require(p + "self_attn.o_proj.weight")), outBias,
                    gateUp, tensor(manager, files.require(p + "mlp.down_proj.weight"))));
        }
        order.close();
        rowScale.close();
        NDArray norm = tensor(manager, files.require("model.norm.weight"));
        Optional<SafetensorsFiles.Entry> head = files.find("lm_head.weight");
        if (head.isEmpty() && !spec.tiedEmbeddings()) {
            // Some checkpoints leave the flag out although they tie; without lm_head.weight there is no other choice.
            System.getLogger(LlamaWeights.class.getName()).log(System.Logger.Level.DEBUG,
                    "no lm_head.weight: using the input embeddings as the output projection");
        }
        NDArray lmHead = head.isPresent() && !spec.tiedEmbeddings() ? tensor(manager, head.get()) : embed;
        checkShape(embed, spec.vocab(), spec.hidden(), "model.embed_tokens.weight");
        checkShape(lmHead, spec.vocab(), spec.hidden(), "lm_head.weight");
        return new LlamaWeights(embed, List.copyOf(layers), norm, lmHead);
    }

    /**
     * The row order of the prepared q/k/v projection: within each q and k head, row 2i takes the checkpoint's row i
     * and row 2i+1 its row i + head_dim/2; the v rows stay where they are.
     */
    private static long[] qkvOrder(LlamaSpec spec) {
        int d = spec.headDim();
        int half = d / 2;
        int rotated = spec.queryDim() + spec.kvDim();
        long[] order = new long[rotated + spec.kvDim()];
        for (int head = 0; head < rotated / d; head++) {
            for (int i = 0; i < half; i++) {
                order[head * d + 2 * i] = (long) head * d + i;
                order[head * d + 2 * i + 1] = (long) head * d + i + half;
            }
        }
        for (int r = rotated; r < order.length; r++) {
            order[r] = r;
        }
        return order;
    }

    /** 1 / sqrt(head_dim) for the q rows, 1 for the k and v rows. */
    private static float[] qkvScale(LlamaSpec spec) {
        float[] scale = new float[spec.queryDim() + 2 * spec.kvDim()];
        java.util.Arrays.fill(scale, 1f);
        java.util.Arrays.fill(scale, 0, spec.queryDim(), (float) (1.0 / Math.sqrt(spec.headDim())));
        return scale;
    }

    /** The q/k/v weight reordered, its q rows scaled, the input norm's weight multiplied into its columns. */
    private static NDArray prepareQkv(PtNDArray qkv, PtNDArray norm, PtNDArray order, PtNDArray rowScale) {
        try (PtNDArray reordered = JniUtils.embedding(order, qkv, false);
             PtNDArray scaled = JniUtils.mul(reordered, rowScale)) {
            return JniUtils.mul(scaled, norm);
        }
    }

    /** The q/k/v bias reordered and its q part scaled as the weight's rows are. */
    private static NDArray prepareBias(PtNDArray bias, PtNDArray order, PtNDArray rowScale) {
        try (PtNDArray column = JniUtils.reshape(bias, new long[] {bias.size(), 1});
             PtNDArray reordered = JniUtils.embedding(order, column, false);
             PtNDArray scaled = JniUtils.mul(reordered, rowScale)) {
            return JniUtils.reshape(scaled, new long[] {bias.size()});
        }
    }

    private static void checkShape(NDArray array, long rows, long cols, String name) {
        if (!array.getShape().equals(new Shape(rows, cols))) {
            throw new EngineException(name + " has shape " + array.getShape() + "; config.json implies ("
                    + rows + ", " + cols + ")");
        }
    }

    /** A tensor widened to F32 on the manager's device. */
    /** A tensor of the files as an array of the engine's dtype, in {@code manager}. Shared with the encoders. */
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
}
