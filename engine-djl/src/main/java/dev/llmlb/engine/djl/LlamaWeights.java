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
 * A Llama-family decoder's weights as F32 PyTorch tensors, joined the way the forward pass uses them: q, k and v
 * into one projection (with Qwen2's biases), gate and up into one.
 *
 * @param lmHead the output projection: {@code lm_head.weight}, or the embeddings when tied
 */
record LlamaWeights(NDArray embed, List<Layer> layers, NDArray norm, NDArray lmHead) {

    /** One decoder block's weights; {@code qkvBias} and {@code outBias} are null when the model has none. */
    record Layer(NDArray inputNorm, NDArray qkv, NDArray qkvBias, NDArray out, NDArray outBias, NDArray postNorm,
                 NDArray gateUp, NDArray down) {
    }

    /** Loads every weight into {@code manager}, widened to F32, and checks the shapes against {@code spec}. */
    static LlamaWeights load(SafetensorsFiles files, LlamaSpec spec, NDManager manager) {
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
            System.getLogger(LlamaWeights.class.getName()).log(System.Logger.Level.DEBUG,
                    "no lm_head.weight: using the input embeddings as the output projection");
        }
        NDArray lmHead = head.isPresent() && !spec.tiedEmbeddings() ? tensor(manager, head.get()) : embed;
        checkShape(embed, spec.vocab(), spec.hidden(), "model.embed_tokens.weight");
        checkShape(lmHead, spec.vocab(), spec.hidden(), "lm_head.weight");
        checkShape(layers.get(0).qkv(), spec.queryDim() + 2L * spec.kvDim(), spec.hidden(), "q/k/v projections");
        return new LlamaWeights(embed, List.copyOf(layers), norm, lmHead);
    }

    private static void checkShape(NDArray array, long rows, long cols, String name) {
        if (!array.getShape().equals(new Shape(rows, cols))) {
            throw new EngineException(name + " has shape " + array.getShape() + "; config.json implies ("
                    + rows + ", " + cols + ")");
        }
    }

    /** A tensor widened to F32 on the manager's device. */
    private static NDArray tensor(NDManager manager, SafetensorsFiles.Entry entry) {
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
