package dev.llmlb.engine.hf.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A JSON Schema compiled to what {@link JsonMatcher} needs: the subset {@code dev.llmlb.api.engine.JsonConstraint}
 * documents. Records, so that matcher states built from them compare by value.
 */
sealed interface Schema {

    /** Any of several schemas (also a {@code type} that lists several types). */
    record AnyOf(List<Schema> alternatives) implements Schema {
    }

    /**
     * An object with known properties, written in this order; {@code required[i]} says whether property {@code i}
     * must be written. {@code free}: no properties listed and others allowed, so any keys with any values.
     */
    record Obj(List<String> keys, List<Schema> values, List<Boolean> required, boolean free) implements Schema {
    }

    /** An array of {@code items}, {@code min} to {@code max} of them. */
    record Arr(Schema items, int min, int max) implements Schema {
    }

    record Str() implements Schema {
    }

    record Num(boolean integer) implements Schema {
    }

    /** Exactly one of these JSON texts ({@code enum}, {@code const}, {@code true}/{@code false}, {@code null}). */
    record Literals(List<String> texts) implements Schema {
    }

    /** Any JSON value: {@code {}} or {@code true}. */
    static Schema any() {
        return new AnyOf(List.of(new Obj(List.of(), List.of(), List.of(), true), new Arr(new AnyJson(), 0,
                Integer.MAX_VALUE), new Str(), new Num(false), new Literals(List.of("true", "false", "null"))));
    }

    /** Stands for {@link #any()} inside itself, so the any-value schema is finite. */
    record AnyJson() implements Schema {
    }

    /**
     * Compiles a schema.
     *
     * @throws IllegalArgumentException naming the keyword outside the subset
     */
    static Schema compile(JsonNode node) {
        if (node.isBoolean() && node.asBoolean()) {
            return new AnyJson();
        }
        if (!node.isObject()) {
            throw new IllegalArgumentException("a schema must be an object");
        }
        for (var names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!Set.of("type", "properties", "required", "additionalProperties", "items", "enum", "const", "anyOf",
                    "minItems", "maxItems", "title", "description", "default", "examples", "$schema", "$comment")
                    .contains(name)) {
                throw new IllegalArgumentException("the keyword '" + name + "' is not supported");
            }
        }
        if (node.has("const")) {
            return new Literals(List.of(node.get("const").toString()));
        }
        if (node.has("enum")) {
            List<String> texts = new ArrayList<>();
            node.get("enum").forEach(v -> texts.add(v.toString()));
            return new Literals(texts);
        }
        if (node.has("anyOf")) {
            List<Schema> alternatives = new ArrayList<>();
            node.get("anyOf").forEach(a -> alternatives.add(compile(a)));
            return new AnyOf(alternatives);
        }
        Set<String> types = new LinkedHashSet<>();
        JsonNode type = node.get("type");
        if (type == null) {
            if (node.has("properties")) {
                types.add("object");
            } else if (node.has("items")) {
                types.add("array");
            } else {
                return new AnyJson();
            }
        } else if (type.isArray()) {
            ((ArrayNode) type).forEach(t -> types.add(t.asText()));
        } else {
            types.add(type.asText());
        }
        List<Schema> alternatives = new ArrayList<>();
        for (String t : types) {
            alternatives.add(switch (t) {
                case "object" -> object(node);
                case "array" -> new Arr(node.has("items") ? compile(node.get("items")) : new AnyJson(),
                        node.path("minItems").asInt(0), node.path("maxItems").asInt(Integer.MAX_VALUE));
                case "string" -> new Str();
                case "number" -> new Num(false);
                case "integer" -> new Num(true);
                case "boolean" -> new Literals(List.of("true", "false"));
                case "null" -> new Literals(List.of("null"));
                default -> throw new IllegalArgumentException("unknown type '" + t + "'");
            });
        }
        return alternatives.size() == 1 ? alternatives.get(0) : new AnyOf(alternatives);
    }

    private static Schema object(JsonNode node) {
        JsonNode properties = node.path("properties");
        Set<String> required = new LinkedHashSet<>();
        node.path("required").forEach(r -> required.add(r.asText()));
        List<String> keys = new ArrayList<>();
        List<Schema> values = new ArrayList<>();
        List<Boolean> must = new ArrayList<>();
        properties.fields().forEachRemaining(e -> {
            keys.add(e.getKey());
            values.add(compile(e.getValue()));
            must.add(required.contains(e.getKey()));
        });
        // Without listed properties, an object that allows others takes any; properties are never added otherwise.
        boolean free = keys.isEmpty() && node.path("additionalProperties").asBoolean(true);
        return new Obj(keys, values, must, free);
    }
}
