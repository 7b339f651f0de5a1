package dev.llmlb.testkit.json;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * An independent check of a JSON value against the JSON Schema subset engines constrain generations to
 * ({@code dev.llmlb.api.engine.JsonConstraint}): what tests assert constrained output with.
 */
public final class SchemaCheck {

    private SchemaCheck() {
    }

    /** The problems of {@code value}; empty when the schema accepts it. */
    public static List<String> problems(JsonNode schema, JsonNode value) {
        List<String> out = new ArrayList<>();
        check(schema, value, "$", out);
        return out;
    }

    private static void check(JsonNode schema, JsonNode value, String at, List<String> out) {
        if (schema.has("const") && !schema.get("const").equals(value)) {
            out.add(at + ": not the const");
        }
        if (schema.has("enum")) {
            boolean found = false;
            for (JsonNode option : schema.get("enum")) {
                found |= option.equals(value);
            }
            if (!found) {
                out.add(at + ": not in the enum");
            }
        }
        if (schema.has("anyOf")) {
            for (JsonNode alternative : schema.get("anyOf")) {
                if (problems(alternative, value).isEmpty()) {
                    return;
                }
            }
            out.add(at + ": matches no anyOf alternative");
            return;
        }
        if (schema.has("type")) {
            Set<String> types = new HashSet<>();
            if (schema.get("type").isArray()) {
                schema.get("type").forEach(t -> types.add(t.asText()));
            } else {
                types.add(schema.get("type").asText());
            }
            if (!types.contains(typeOf(value)) && !(types.contains("number") && typeOf(value).equals("integer"))) {
                out.add(at + ": a " + typeOf(value) + ", not " + types);
                return;
            }
        }
        if (value.isObject()) {
            JsonNode properties = schema.path("properties");
            schema.path("required").forEach(r -> {
                if (!value.has(r.asText())) {
                    out.add(at + ": lacks " + r.asText());
                }
            });
            value.fields().forEachRemaining(e -> {
                if (properties.has(e.getKey())) {
                    check(properties.get(e.getKey()), e.getValue(), at + "." + e.getKey(), out);
                } else if (schema.path("additionalProperties").isBoolean()
                        && !schema.get("additionalProperties").asBoolean()) {
                    out.add(at + ": has " + e.getKey());
                }
            });
        }
        if (value.isArray() && schema.has("items")) {
            for (int i = 0; i < value.size(); i++) {
                check(schema.get("items"), value.get(i), at + "[" + i + "]", out);
            }
        }
        if (value.isArray() && value.size() < schema.path("minItems").asInt(0)) {
            out.add(at + ": too few items");
        }
    }

    private static String typeOf(JsonNode value) {
        if (value.isObject()) {
            return "object";
        }
        if (value.isArray()) {
            return "array";
        }
        if (value.isTextual()) {
            return "string";
        }
        if (value.isIntegralNumber()) {
            return "integer";
        }
        if (value.isNumber()) {
            return "number";
        }
        if (value.isBoolean()) {
            return "boolean";
        }
        return "null";
    }
}
