package dev.llmlb.host.openai;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmlb.api.engine.Tool;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * How a call is written when {@code tool_choice} requires one: as JSON held to a schema, whatever the model's own
 * format, so that even a weak model's call is valid (vLLM does the same). One call is
 * {@code {"name": "<function>", "arguments": {...}}}; with {@code parallel_tool_calls} the output is an array of one or
 * more of them.
 */
public final class ToolCallSchema {

    private static final ObjectMapper JSON = new ObjectMapper();

    private ToolCallSchema() {
    }

    /** A function's name and its arguments as JSON text. */
    public record Call(String name, String arguments) {
    }

    /** The schema of the output for {@code tool_choice: "required"}. */
    static String required(List<Tool> tools, boolean parallel) {
        ArrayNode alternatives = JSON.createArrayNode();
        for (Tool tool : tools) {
            ObjectNode call = alternatives.addObject();
            call.put("type", "object");
            ObjectNode properties = call.putObject("properties");
            properties.putObject("name").put("const", tool.name());
            properties.set("arguments", parse(tool.parameters()));
            call.putArray("required").add("name").add("arguments");
            call.put("additionalProperties", false);
        }
        ObjectNode one = JSON.createObjectNode();
        one.set("anyOf", alternatives);
        if (!parallel) {
            return one.toString();
        }
        ObjectNode many = JSON.createObjectNode();
        many.put("type", "array");
        many.set("items", one);
        many.put("minItems", 1);
        return many.toString();
    }

    /** The calls in the output of a {@code required} generation, or empty when it is not complete JSON. */
    public static Optional<List<Call>> readRequired(String text) {
        JsonNode node = parseOrNull(text);
        if (node == null) {
            return Optional.empty();
        }
        List<Call> calls = new ArrayList<>();
        for (JsonNode call : node.isArray() ? node : List.of(node)) {
            if (!call.path("name").isTextual() || !call.path("arguments").isObject()) {
                return Optional.empty();
            }
            calls.add(new Call(call.get("name").asText(), call.get("arguments").toString()));
        }
        return calls.isEmpty() ? Optional.empty() : Optional.of(calls);
    }

    private static JsonNode parse(String json) {
        JsonNode node = parseOrNull(json);
        if (node == null) {
            throw new IllegalArgumentException("not JSON: " + json);
        }
        return node;
    }

    static JsonNode parseOrNull(String json) {
        try {
            return JSON.readTree(json);
        } catch (JsonProcessingException e) {
            return null;
        }
    }
}
