package dev.llmlb.engine.onnx;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmlb.api.engine.EngineException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;

/**
 * The shape of a decoder as its {@code config.json} declares it: what the KV cache inputs of the ONNX graph must
 * look like. Reads the {@code transformers} key names and the GPT-2 style aliases ({@code n_layer}, {@code n_head},
 * {@code n_embd}, {@code n_positions}).
 *
 * @param layers        decoder blocks: one {@code past_key_values.N.key/value} pair each
 * @param heads         attention heads
 * @param kvHeads       key/value heads (fewer than {@code heads} with grouped-query attention)
 * @param headDim       width of one head
 * @param vocabSize     logits per position
 * @param contextLength positions the model was trained for
 */
public record DecoderConfig(int layers, int heads, int kvHeads, int headDim, int vocabSize, int contextLength) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public DecoderConfig {
        if (layers <= 0 || heads <= 0 || kvHeads <= 0 || headDim <= 0 || vocabSize <= 0 || contextLength <= 0) {
            throw new IllegalArgumentException("every dimension must be positive: layers=" + layers + " heads="
                    + heads + " kvHeads=" + kvHeads + " headDim=" + headDim + " vocabSize=" + vocabSize
                    + " contextLength=" + contextLength);
        }
    }

    /**
     * Reads {@code configJson}.
     *
     * @throws EngineException when the file is missing, unreadable, or lacks a dimension the engine needs
     */
    public static DecoderConfig read(Path configJson) {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readAllBytes(configJson));
        } catch (IOException e) {
            throw new EngineException("cannot read " + configJson.getFileName() + " of the ONNX model: "
                    + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new EngineException(configJson.getFileName() + " of the ONNX model is not a JSON object");
        }
        String file = configJson.getFileName().toString();
        int layers = required(root, file, "num_hidden_layers", "n_layer", "num_layers");
        int heads = required(root, file, "num_attention_heads", "n_head");
        int kvHeads = optional(root, "num_key_value_heads", "n_head_kv").orElse(heads);
        OptionalInt headDim = optional(root, "head_dim");
        int dim = headDim.isPresent() ? headDim.getAsInt() : required(root, file, "hidden_size", "n_embd") / heads;
        int vocab = required(root, file, "vocab_size");
        int context = required(root, file, "max_position_embeddings", "n_positions", "max_sequence_length");
        try {
            return new DecoderConfig(layers, heads, kvHeads, dim, vocab, context);
        } catch (IllegalArgumentException e) {
            throw new EngineException(file + " of the ONNX model: " + e.getMessage(), e);
        }
    }

    private static int required(JsonNode root, String file, String... keys) {
        return optional(root, keys).orElseThrow(() -> new EngineException(file + " of the ONNX model has no "
                + String.join(" or ", List.of(keys)) + "; the onnx engine needs it to feed the KV cache"));
    }

    private static OptionalInt optional(JsonNode root, String... keys) {
        for (String key : keys) {
            JsonNode node = root.get(key);
            if (node != null && node.canConvertToInt()) {
                return OptionalInt.of(node.intValue());
            }
        }
        return OptionalInt.empty();
    }
}
