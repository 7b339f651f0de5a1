package dev.llmlb.engine.hf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmlb.api.engine.EngineException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.Set;

/**
 * A model's {@code config.json}, with the end-of-sequence ids of {@code generation_config.json} when the folder has
 * one. Typed accessors cover what decoder engines need; the generic ones read any other key.
 */
public final class HfConfig {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final JsonNode config;
    private final JsonNode generation;

    private HfConfig(JsonNode config, JsonNode generation) {
        this.config = config;
        this.generation = generation;
    }

    /**
     * Reads {@code config.json} (required) and {@code generation_config.json} (optional) from a model folder.
     *
     * @throws EngineException when {@code config.json} is missing or not a JSON object
     */
    public static HfConfig read(Path modelDirectory) {
        JsonNode config = readObject(modelDirectory.resolve("config.json"), true);
        JsonNode generation = readObject(modelDirectory.resolve("generation_config.json"), false);
        return new HfConfig(config, generation);
    }

    /** A config from JSON text, for tests and for engines that keep the config elsewhere. */
    public static HfConfig parse(String configJson, String generationConfigJson) {
        try {
            JsonNode config = JSON.readTree(configJson);
            JsonNode generation = generationConfigJson == null ? JSON.createObjectNode()
                    : JSON.readTree(generationConfigJson);
            if (!(config instanceof ObjectNode) || !(generation instanceof ObjectNode)) {
                throw new EngineException("config.json must hold a JSON object");
            }
            return new HfConfig(config, generation);
        } catch (IOException e) {
            throw new EngineException("config.json is not valid JSON: " + e.getMessage(), e);
        }
    }

    private static JsonNode readObject(Path file, boolean required) {
        if (!Files.isRegularFile(file)) {
            if (required) {
                throw new EngineException("the model folder has no " + file.getFileName());
            }
            return JSON.createObjectNode();
        }
        try {
            JsonNode node = JSON.readTree(file.toFile());
            if (!(node instanceof ObjectNode)) {
                throw new EngineException(file.getFileName() + " must hold a JSON object");
            }
            return node;
        } catch (IOException e) {
            throw new EngineException(file.getFileName() + " is not valid JSON: " + e.getMessage(), e);
        }
    }

    /** {@code architectures}, e.g. {@code [LlamaForCausalLM]}; empty when absent. */
    public List<String> architectures() {
        List<String> out = new ArrayList<>();
        config.path("architectures").forEach(n -> {
            if (n.isTextual()) {
                out.add(n.asText());
            }
        });
        return List.copyOf(out);
    }

    /** {@code model_type}, e.g. {@code llama}; empty when absent. */
    public String modelType() {
        return string("model_type").orElse("");
    }

    public int hiddenSize() {
        return requireInt("hidden_size");
    }

    public int numHiddenLayers() {
        return requireInt("num_hidden_layers");
    }

    public int numAttentionHeads() {
        return requireInt("num_attention_heads");
    }

    /** {@code num_key_value_heads}, or the attention heads when absent (no grouped-query attention). */
    public int numKeyValueHeads() {
        return integer("num_key_value_heads").orElseGet(this::numAttentionHeads);
    }

    /** {@code head_dim}, or {@code hidden_size / num_attention_heads} when absent or null. */
    public int headDim() {
        return integer("head_dim").orElseGet(() -> hiddenSize() / numAttentionHeads());
    }

    public int intermediateSize() {
        return requireInt("intermediate_size");
    }

    public int vocabSize() {
        return requireInt("vocab_size");
    }

    /** {@code max_position_embeddings}: the context the model was trained for. */
    public OptionalInt maxPositionEmbeddings() {
        return integer("max_position_embeddings");
    }

    /** {@code rms_norm_eps}, 1e-6 when absent (transformers' Llama default). */
    public double rmsNormEps() {
        return number("rms_norm_eps").orElse(1e-6);
    }

    /** {@code rope_theta}, 10000 when absent. */
    public double ropeTheta() {
        return number("rope_theta").orElse(10000.0);
    }

    /** {@code tie_word_embeddings}, {@code defaultValue} when absent (its default differs between architectures). */
    public boolean tieWordEmbeddings(boolean defaultValue) {
        return bool("tie_word_embeddings").orElse(defaultValue);
    }

    /** {@code bos_token_id} of {@code generation_config.json}, else of {@code config.json}. */
    public OptionalInt bosTokenId() {
        JsonNode node = generation.path("bos_token_id");
        if (node.canConvertToInt()) {
            return OptionalInt.of(node.asInt());
        }
        return integer("bos_token_id");
    }

    /**
     * Every end-of-sequence id the model declares: {@code eos_token_id} of {@code generation_config.json} and of
     * {@code config.json}, each a number or a list of numbers. Chat models often add their turn-end token there.
     */
    public Set<Integer> eosTokenIds() {
        Set<Integer> ids = new LinkedHashSet<>();
        addIds(generation.path("eos_token_id"), ids);
        addIds(config.path("eos_token_id"), ids);
        return Set.copyOf(ids);
    }

    private static void addIds(JsonNode node, Set<Integer> ids) {
        if (node.isIntegralNumber()) {
            ids.add(node.asInt());
        } else if (node.isArray()) {
            node.forEach(n -> {
                if (n.isIntegralNumber()) {
                    ids.add(n.asInt());
                }
            });
        }
    }

    /** A top-level string value. */
    public Optional<String> string(String key) {
        JsonNode node = config.path(key);
        return node.isTextual() ? Optional.of(node.asText()) : Optional.empty();
    }

    /** A top-level integer value; empty when absent, null or not an integer. */
    public OptionalInt integer(String key) {
        JsonNode node = config.path(key);
        return node.isIntegralNumber() && node.canConvertToInt() ? OptionalInt.of(node.asInt()) : OptionalInt.empty();
    }

    /** A top-level number. */
    public OptionalDouble number(String key) {
        JsonNode node = config.path(key);
        return node.isNumber() ? OptionalDouble.of(node.asDouble()) : OptionalDouble.empty();
    }

    /** A top-level boolean. */
    public Optional<Boolean> bool(String key) {
        JsonNode node = config.path(key);
        return node.isBoolean() ? Optional.of(node.asBoolean()) : Optional.empty();
    }

    /**
     * A top-level object as plain Java values (maps, lists, strings, numbers, booleans, nulls), e.g.
     * {@code rope_scaling}; empty when absent or null.
     */
    @SuppressWarnings("unchecked")
    public Optional<Map<String, Object>> object(String key) {
        JsonNode node = config.path(key);
        return node.isObject()
                ? Optional.of(java.util.Collections.unmodifiableMap(JSON.convertValue(node, Map.class)))
                : Optional.empty();
    }

    /**
     * A required integer.
     *
     * @throws EngineException naming the key when it is missing
     */
    public int requireInt(String key) {
        return integer(key).orElseThrow(() -> new EngineException("config.json has no integer " + key));
    }
}
