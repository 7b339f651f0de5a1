package dev.llmlb.host.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmlb.host.failure.FailureException;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;

/** Reads typed fields of a request body; every wrong value is a 400 that names its {@code param}. */
final class Fields {

    private final JsonNode body;

    Fields(JsonNode body) {
        this.body = body;
    }

    /**
     * Text a client sent, refused when it is not well-formed Unicode: JSON lets a string carry a lone surrogate
     * ({@code "\ud800"}), which no tokenizer can encode.
     */
    static String wellFormed(String param, String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw FailureException.invalid(param, "Invalid '" + param + "': it holds a lone UTF-16 surrogate (\\u"
                        + String.format("%04x", (int) c) + " at character " + i + "), which is not text; send "
                        + "well-formed Unicode.");
            }
        }
        return text;
    }

    private JsonNode present(String name) {
        JsonNode value = body.get(name);
        return value == null || value.isNull() ? null : value;
    }

    String requiredString(String name) {
        JsonNode value = present(name);
        if (value == null) {
            throw FailureException.invalid(name, "Missing required parameter: '" + name + "'.");
        }
        if (!value.isTextual() || value.asText().isEmpty()) {
            throw FailureException.invalid(name, "Invalid type for '" + name + "': expected a non-empty string.");
        }
        return value.asText();
    }

    boolean bool(String name, boolean fallback) {
        JsonNode value = present(name);
        if (value == null) {
            return fallback;
        }
        if (!value.isBoolean()) {
            throw FailureException.invalid(name, "Invalid type for '" + name + "': expected a boolean.");
        }
        return value.asBoolean();
    }

    OptionalDouble number(String name, double min, double max) {
        JsonNode value = present(name);
        if (value == null) {
            return OptionalDouble.empty();
        }
        if (!value.isNumber()) {
            throw FailureException.invalid(name, "Invalid type for '" + name + "': expected a number.");
        }
        double number = value.asDouble();
        if (number < min || number > max || Double.isNaN(number)) {
            throw FailureException.invalid(name, "Invalid '" + name + "': " + number + " is not in [" + min + ", "
                    + max + "].");
        }
        return OptionalDouble.of(number);
    }

    OptionalInt integer(String name, int min) {
        JsonNode value = present(name);
        if (value == null) {
            return OptionalInt.empty();
        }
        if (!value.isIntegralNumber() || !value.canConvertToInt()) {
            throw FailureException.invalid(name, "Invalid type for '" + name + "': expected an integer.");
        }
        if (value.asInt() < min) {
            throw FailureException.invalid(name, "Invalid '" + name + "': must be at least " + min + ", got "
                    + value.asInt() + ".");
        }
        return OptionalInt.of(value.asInt());
    }

    OptionalLong longInteger(String name) {
        JsonNode value = present(name);
        if (value == null) {
            return OptionalLong.empty();
        }
        if (!value.isIntegralNumber() || !value.canConvertToLong()) {
            throw FailureException.invalid(name, "Invalid type for '" + name + "': expected an integer.");
        }
        return OptionalLong.of(value.asLong());
    }

    /** {@code stop}: a string or an array of up to 4 non-empty strings. */
    List<String> stop() {
        JsonNode value = present("stop");
        List<String> stops = new ArrayList<>();
        if (value == null) {
            return stops;
        }
        if (value.isTextual()) {
            if (!value.asText().isEmpty()) {
                stops.add(value.asText());
            }
            return stops;
        }
        if (!value.isArray()) {
            throw FailureException.invalid("stop", "Invalid type for 'stop': expected a string or an array of strings.");
        }
        if (value.size() > 4) {
            throw FailureException.invalid("stop", "Invalid 'stop': at most 4 sequences, got " + value.size() + ".");
        }
        for (JsonNode item : value) {
            if (!item.isTextual()) {
                throw FailureException.invalid("stop", "Invalid type for 'stop': expected strings.");
            }
            if (!item.asText().isEmpty()) {
                stops.add(item.asText());
            }
        }
        return stops;
    }

    /** {@code n}: only 1 is supported. */
    void singleChoice() {
        OptionalInt n = integer("n", 1);
        if (n.isPresent() && n.getAsInt() != 1) {
            throw FailureException.unsupported("n", "Only n=1 is supported; send separate requests for more choices.");
        }
    }

    /** {@code stream_options.include_usage}. */
    boolean includeUsage(boolean stream) {
        JsonNode options = present("stream_options");
        if (options == null) {
            return false;
        }
        if (!options.isObject()) {
            throw FailureException.invalid("stream_options", "Invalid type for 'stream_options': expected an object.");
        }
        if (!stream) {
            throw FailureException.invalid("stream_options",
                    "'stream_options' is only allowed when 'stream' is true.");
        }
        JsonNode include = options.get("include_usage");
        if (include != null && !include.isNull() && !include.isBoolean()) {
            throw FailureException.invalid("stream_options.include_usage",
                    "Invalid type for 'stream_options.include_usage': expected a boolean.");
        }
        return include != null && include.asBoolean(false);
    }

    /** Rejects fields the node cannot honour, so a client is never silently given something else. */
    void rejectIfTrue(String name, String why) {
        JsonNode value = present(name);
        if (value != null && !(value.isBoolean() && !value.asBoolean()) && !(value.isNumber() && value.asInt() == 0)) {
            throw FailureException.unsupported(name, why);
        }
    }
}
