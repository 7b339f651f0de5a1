package dev.llmlb.testkit.tck;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An independent check of JSON against the JSON Schema subset engines constrain generations to
 * ({@code dev.llmlb.api.engine.JsonConstraint}): what tests assert constrained output with.
 */
public final class SchemaCheck {

    private SchemaCheck() {
    }

    /**
     * The problems of {@code json} against {@code schema}; empty when the schema accepts it.
     *
     * @throws IllegalArgumentException when either is not JSON
     */
    public static List<String> problems(String schema, String json) {
        List<String> out = new ArrayList<>();
        check(JsonText.parse(schema), JsonText.parse(json), "$", out);
        return out;
    }

    @SuppressWarnings("unchecked")
    private static void check(Object schemaValue, Object value, String at, List<String> out) {
        if (!(schemaValue instanceof Map<?, ?>)) {
            return;
        }
        Map<String, Object> schema = (Map<String, Object>) schemaValue;
        if (schema.containsKey("const") && !same(schema.get("const"), value)) {
            out.add(at + ": not the const");
        }
        if (schema.get("enum") instanceof List<?> options && options.stream().noneMatch(o -> same(o, value))) {
            out.add(at + ": not in the enum");
        }
        if (schema.get("anyOf") instanceof List<?> alternatives) {
            for (Object alternative : alternatives) {
                List<String> problems = new ArrayList<>();
                check(alternative, value, at, problems);
                if (problems.isEmpty()) {
                    return;
                }
            }
            out.add(at + ": matches no anyOf alternative");
            return;
        }
        if (schema.containsKey("type")) {
            Set<String> types = new HashSet<>();
            if (schema.get("type") instanceof List<?> list) {
                list.forEach(t -> types.add(String.valueOf(t)));
            } else {
                types.add(String.valueOf(schema.get("type")));
            }
            String type = typeOf(value);
            if (!types.contains(type) && !(types.contains("number") && type.equals("integer"))) {
                out.add(at + ": a " + type + ", not " + types);
                return;
            }
        }
        if (value instanceof Map<?, ?> object) {
            Map<String, Object> properties = schema.get("properties") instanceof Map<?, ?> p
                    ? (Map<String, Object>) p : Map.of();
            if (schema.get("required") instanceof List<?> required) {
                required.stream().filter(r -> !object.containsKey(r)).forEach(r -> out.add(at + ": lacks " + r));
            }
            object.forEach((key, item) -> {
                if (properties.containsKey(key)) {
                    check(properties.get(key), item, at + "." + key, out);
                } else if (Boolean.FALSE.equals(schema.get("additionalProperties"))) {
                    out.add(at + ": has " + key);
                }
            });
        }
        if (value instanceof List<?> array) {
            for (int i = 0; i < array.size(); i++) {
                check(schema.get("items"), array.get(i), at + "[" + i + "]", out);
            }
            if (schema.get("minItems") instanceof BigDecimal min && array.size() < min.intValue()) {
                out.add(at + ": too few items");
            }
        }
    }

    private static boolean same(Object a, Object b) {
        if (a instanceof BigDecimal x && b instanceof BigDecimal y) {
            return x.compareTo(y) == 0;
        }
        return a.equals(b);
    }

    private static String typeOf(Object value) {
        return switch (value) {
            case Map<?, ?> m -> "object";
            case List<?> l -> "array";
            case String s -> "string";
            case BigDecimal n -> n.stripTrailingZeros().scale() <= 0 && !n.toString().contains(".")
                    && !n.toString().toLowerCase().contains("e") ? "integer" : "number";
            case Boolean b -> "boolean";
            default -> "null";
        };
    }
}
