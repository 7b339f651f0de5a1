package dev.llmlb.testkit.models;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes a generated model as a decoder-only ONNX graph with the signature HuggingFace Optimum exports have:
 * inputs {@code input_ids [batch, seq]}, {@code attention_mask [batch, past+seq]}, {@code position_ids [batch, seq]}
 * (int64) and {@code past_key_values.N.key/value [batch, kv_heads, past, head_dim]} (float); outputs
 * {@code logits [batch, seq, vocab]} and {@code present.N.key/value [batch, kv_heads, past+seq, head_dim]}. The
 * protobuf is written directly (opset 17, IR 8), weights embedded or in an external-data file.
 *
 * <pre>{@code
 * new OnnxWriter(weights).externalData(true).writeRepo(dir); // dir/onnx/model.onnx + model.onnx_data + json files
 * }</pre>
 */
public final class OnnxWriter {

    /**
     * Which of the optional parts of the export signature the graph has, and how it computes attention.
     *
     * @param positionIds         a {@code position_ids} input; without it the graph numbers positions from the mask
     * @param pastKeyValues       the KV cache inputs and {@code present.*} outputs; without them the graph recomputes
     *                            every step, as exports made with {@code --no-past} do
     * @param useCacheBranch      a {@code use_cache_branch} bool input, as Optimum's merged decoders take
     * @param float16Cache        the KV cache inputs and outputs in float16, as half-precision exports have them (the
     *                            graph computes in float32 and casts at its edges)
     * @param groupQueryAttention attention (rotary embedding included) in ONNX Runtime's {@code GroupQueryAttention}
     *                            operator, as ONNX Runtime GenAI's model builder writes decoders: each sequence of a
     *                            batch attends over its own length, caches right-padded, positions from the mask
     */
    public record Signature(boolean positionIds, boolean pastKeyValues, boolean useCacheBranch,
                            boolean float16Cache, boolean groupQueryAttention) {

        public Signature {
            if (groupQueryAttention && (positionIds || !pastKeyValues || useCacheBranch || float16Cache)) {
                throw new IllegalArgumentException("a GroupQueryAttention graph takes a float32 cache and no "
                        + "position_ids or use_cache_branch");
            }
        }

        /** What {@code optimum-cli export onnx --task text-generation-with-past} writes for Llama. */
        public static Signature standard() {
            return new Signature(true, true, false, false, false);
        }

        /**
         * What ONNX Runtime GenAI's model builder writes for Llama on CPU in float32: {@code input_ids},
         * {@code attention_mask} and the cache in, {@code GroupQueryAttention} with rotary embeddings inside.
         */
        public static Signature onnxRuntimeGenAi() {
            return new Signature(false, true, false, false, true);
        }

        public Signature withPositionIds(boolean present) {
            return new Signature(present, pastKeyValues, useCacheBranch, float16Cache, groupQueryAttention);
        }

        public Signature withPastKeyValues(boolean present) {
            return new Signature(positionIds, present, useCacheBranch, float16Cache, groupQueryAttention);
        }

        public Signature withUseCacheBranch(boolean present) {
            return new Signature(positionIds, pastKeyValues, present, float16Cache, groupQueryAttention);
        }

        public Signature withFloat16Cache(boolean half) {
            return new Signature(positionIds, pastKeyValues, useCacheBranch, half, groupQueryAttention);
        }
    }

    private final TinyLlamaWeights weights;
    private boolean externalData;
    private Signature signature = Signature.standard();
    private String chatTemplate = GgufWriter.CHAT_TEMPLATE;

    public OnnxWriter(TinyLlamaWeights weights) {
        this.weights = weights;
    }

    /** Puts the weights in {@code <model file>_data} instead of inside the model file. */
    public OnnxWriter externalData(boolean external) {
        this.externalData = external;
        return this;
    }

    public OnnxWriter signature(Signature graphSignature) {
        this.signature = graphSignature;
        return this;
    }

    /** Replaces the chat template of {@code tokenizer_config.json}; {@code null} writes none. */
    public OnnxWriter chatTemplate(String template) {
        this.chatTemplate = template;
        return this;
    }

    /** Writes the graph to {@code modelFile} (and its external data beside it); returns {@code modelFile}. */
    public Path write(Path modelFile) {
        new LlamaOnnxGraph(weights, signature).build().write(modelFile, externalData);
        return modelFile;
    }

    /**
     * Writes a HuggingFace ONNX repo layout into {@code folder}, as transformers.js-style repos have it:
     * {@code onnx/model.onnx} (and {@code onnx/model.onnx_data}) plus the text files at the top, the same as
     * {@link SafetensorsWriter} writes ({@code config.json}, {@code generation_config.json}, {@code tokenizer.json},
     * {@code tokenizer_config.json} with the chat template, {@code special_tokens_map.json}). Returns the model file.
     */
    public Path writeRepo(Path folder) {
        try {
            Files.createDirectories(folder.resolve("onnx"));
            new SafetensorsWriter(weights).chatTemplate(chatTemplate).writeTextFiles(folder);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return write(folder.resolve("onnx").resolve("model.onnx"));
    }
}
