package dev.llmlb.source.hf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.llmlb.api.source.ModelFormats;
import dev.llmlb.api.source.PlanningException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What engines choose themselves by, read from a transformers {@code config.json}.
 *
 * @param architecture the first of {@code architectures}, e.g. {@code LlamaForCausalLM}
 * @param modelType    {@code model_type}, e.g. {@code llama}
 * @param torchDtype   {@code torch_dtype}, or {@code dtype} as newer transformers write it, e.g. {@code bfloat16}
 */
public record ModelConfig(Optional<String> architecture, Optional<String> modelType, Optional<String> torchDtype) {

    /** The manifest property for {@link #modelType}. */
    public static final String MODEL_TYPE = "model_type";
    /** The manifest property for {@link #torchDtype}. */
    public static final String TORCH_DTYPE = "torch_dtype";

    private static final ObjectMapper JSON = JsonMapper.builder().build();

    /**
     * Reads {@code config.json}. Missing fields stay empty: an engine, not the source, decides what it can run.
     *
     * @param origin what the file is of, for messages
     * @throws PlanningException when the file cannot be read or is not a JSON object
     */
    public static ModelConfig read(Path configJson, String origin) {
        JsonNode root;
        try {
            root = JSON.readTree(configJson.toFile());
        } catch (IOException e) {
            throw new PlanningException("config.json of " + origin + " is not valid JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new PlanningException("config.json of " + origin + " is not a JSON object.");
        }
        JsonNode architectures = root.path("architectures");
        Optional<String> architecture = architectures.isArray() && !architectures.isEmpty()
                ? text(architectures.get(0)) : Optional.empty();
        return new ModelConfig(architecture, text(root.get("model_type")),
                text(root.get("torch_dtype")).or(() -> text(root.get("dtype"))));
    }

    private static Optional<String> text(JsonNode node) {
        return node != null && node.isTextual() && !node.asText().isBlank() ? Optional.of(node.asText())
                : Optional.empty();
    }

    /** {@code architecture}, {@code model_type} and {@code torch_dtype}, each only when known. */
    public Map<String, String> properties() {
        Map<String, String> properties = new LinkedHashMap<>();
        architecture.ifPresent(a -> properties.put(ModelFormats.ARCHITECTURE, a));
        modelType.ifPresent(t -> properties.put(MODEL_TYPE, t));
        torchDtype.ifPresent(d -> properties.put(TORCH_DTYPE, d));
        return properties;
    }
}
