package dev.llmlb.host.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmlb.host.failure.FailureException;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;

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

    JsonNode present(String name) {
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

    /** {@code n}: how many choices, 1 to {@link #MAX_CHOICES}. */
    int choices() {
        OptionalInt n = integer("n", 1);
        if (n.isPresent() && n.getAsInt() > MAX_CHOICES) {
            throw FailureException.invalid("n", "Invalid 'n': at most " + MAX_CHOICES + " choices, got "
                    + n.getAsInt() + ".");
        }
        return n.orElse(1);
    }

    /** The most choices one request may ask for (OpenAI's own limit). */
    static final int MAX_CHOICES = 128;

    /** {@code logit_bias}: token ids (as strings) to biases in [-100, 100]. */
    Map<Integer, Double> logitBias() {
        JsonNode value = present("logit_bias");
        Map<Integer, Double> bias = new LinkedHashMap<>();
        if (value == null) {
            return bias;
        }
        if (!value.isObject()) {
            throw FailureException.invalid("logit_bias", "Invalid type for 'logit_bias': expected an object that "
                    + "maps token ids to numbers.");
        }
        var entries = value.fields();
        while (entries.hasNext()) {
            var entry = entries.next();
            String param = "logit_bias." + entry.getKey();
            int token;
            try {
                token = Integer.parseInt(entry.getKey());
            } catch (NumberFormatException e) {
                throw FailureException.invalid("logit_bias", "Invalid 'logit_bias': key '" + entry.getKey()
                        + "' is not a token id.");
            }
            if (token < 0) {
                throw FailureException.invalid("logit_bias", "Invalid 'logit_bias': token id " + token
                        + " is negative.");
            }
            JsonNode number = entry.getValue();
            if (!number.isNumber() || number.asDouble() < -100 || number.asDouble() > 100) {
                throw FailureException.invalid(param, "Invalid '" + param + "': expected a number in [-100, 100].");
            }
            bias.put(token, number.asDouble());
        }
        return bias;
    }

    /**
     * Refuses fields the node cannot honour, naming the first one present with a value other than its neutral one,
     * so that a client is never silently given something else.
     */
    void rejectPresent(Map<String, String> unsupported) {
        for (var entry : unsupported.entrySet()) {
            JsonNode value = present(entry.getKey());
            if (value != null) {
                throw FailureException.unsupported(entry.getKey(), entry.getValue());
            }
        }
    }

    /** Refuses any field that is not one of {@code known}: nothing a client sends is ignored silently. */
    void rejectUnknown(Set<String> known) {
        var names = body.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!known.contains(name) && !body.get(name).isNull()) {
                throw FailureException.unsupported(name, "The parameter '" + name + "' is not supported by this "
                        + "node.");
            }
        }
    }

    /** Accepts {@code metadata}: an object of string values, stored nowhere (the node keeps no completions). */
    void metadata() {
        JsonNode value = present("metadata");
        if (value == null) {
            return;
        }
        if (!value.isObject()) {
            throw FailureException.invalid("metadata", "Invalid type for 'metadata': expected an object.");
        }
        value.fields().forEachRemaining(e -> {
            if (!e.getValue().isTextual()) {
                throw FailureException.invalid("metadata." + e.getKey(), "Invalid type for 'metadata." + e.getKey()
                        + "': expected a string.");
            }
        });
    }

    /** Checks a field's type when present: a string. */
    void optionalString(String name) {
        JsonNode value = present(name);
        if (value != null && !value.isTextual()) {
            throw FailureException.invalid(name, "Invalid type for '" + name + "': expected a string.");
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

}
