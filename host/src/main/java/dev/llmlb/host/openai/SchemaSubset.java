package dev.llmlb.host.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmlb.host.failure.FailureException;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The part of JSON Schema every engine can hold a generation to (see {@code dev.llmlb.api.engine.JsonConstraint}):
 * a schema that uses anything else is refused with a 400 that names the keyword's path, before any engine sees it.
 */
public final class SchemaSubset {

    private static final Set<String> TYPES = Set.of("object", "array", "string", "number", "integer", "boolean",
            "null");
    /** Keywords that only describe, and change nothing about what is valid. */
    private static final Set<String> ANNOTATIONS = Set.of("title", "description", "default", "examples", "$schema",
            "$comment");
    private static final Set<String> STRUCTURE = Set.of("type", "properties", "required", "additionalProperties",
            "items", "enum", "const", "anyOf");
    private static final Map<String, String> HINTS = Map.of(
            "$ref", "references ($ref, $defs) are not supported; write the schema out in place",
            "oneOf", "use anyOf instead of oneOf",
            "allOf", "merge the schemas of allOf into one",
            "pattern", "string patterns are not supported",
            "format", "string formats are not supported",
            "minimum", "numeric bounds are not supported",
            "maximum", "numeric bounds are not supported",
            "minItems", "array lengths are not supported",
            "maxItems", "array lengths are not supported",
            "minLength", "string lengths are not supported");

    private SchemaSubset() {
    }

    /**
     * Checks {@code schema}, found at request parameter {@code param}.
     *
     * @throws FailureException 400 naming the first keyword outside the subset, or a malformed one
     */
    public static void check(JsonNode schema, String param) {
        if (schema.isBoolean() && schema.asBoolean()) {
            return;
        }
        if (!schema.isObject()) {
            throw FailureException.invalid(param, "Invalid '" + param + "': a schema must be an object.");
        }
        var names = schema.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            String at = param + "." + name;
            if (ANNOTATIONS.contains(name)) {
                continue;
            }
            if (!STRUCTURE.contains(name)) {
                String hint = HINTS.getOrDefault(name, "this node holds generations to a subset of JSON Schema: "
                        + "type, properties, required, additionalProperties, items, enum, const and anyOf");
                throw FailureException.unsupported(at, "The schema keyword '" + name + "' at '" + at
                        + "' is not supported: " + hint + ".");
            }
            JsonNode value = schema.get(name);
            switch (name) {
                case "type" -> checkType(value, at);
                case "properties" -> {
                    requireObject(value, at);
                    value.fields().forEachRemaining(e -> check(e.getValue(), at + "." + e.getKey()));
                }
                case "required" -> {
                    if (!value.isArray()) {
                        throw FailureException.invalid(at, "Invalid '" + at + "': expected an array of names.");
                    }
                    JsonNode properties = schema.path("properties");
                    for (JsonNode item : value) {
                        if (!item.isTextual() || !properties.has(item.asText())) {
                            throw FailureException.invalid(at, "Invalid '" + at + "': " + item + " is not one of "
                                    + "the schema's properties.");
                        }
                    }
                }
                case "additionalProperties" -> {
                    if (!value.isBoolean()) {
                        throw FailureException.unsupported(at, "The schema at '" + at + "' is not supported: "
                                + "additionalProperties must be true or false.");
                    }
                }
                case "items" -> check(value, at);
                case "enum" -> {
                    if (!value.isArray() || value.isEmpty()) {
                        throw FailureException.invalid(at, "Invalid '" + at + "': expected a non-empty array.");
                    }
                }
                case "anyOf" -> {
                    if (!value.isArray() || value.isEmpty()) {
                        throw FailureException.invalid(at, "Invalid '" + at + "': expected a non-empty array of "
                                + "schemas.");
                    }
                    for (int i = 0; i < value.size(); i++) {
                        check(value.get(i), at + "[" + i + "]");
                    }
                }
                default -> {
                    // const: any JSON value
                }
            }
        }
    }

    private static void checkType(JsonNode value, String at) {
        Set<String> seen = new HashSet<>();
        if (value.isTextual()) {
            seen.add(value.asText());
        } else if (value.isArray() && !value.isEmpty()) {
            value.forEach(t -> seen.add(t.asText(null)));
        } else {
            throw FailureException.invalid(at, "Invalid '" + at + "': expected a type name or an array of them.");
        }
        for (String type : seen) {
            if (type == null || !TYPES.contains(type)) {
                throw FailureException.invalid(at, "Invalid '" + at + "': unknown type " + type + ".");
            }
        }
    }

    private static void requireObject(JsonNode value, String at) {
        if (!value.isObject()) {
            throw FailureException.invalid(at, "Invalid '" + at + "': expected an object.");
        }
    }
}
