package dev.llmlb.host.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmlb.host.failure.FailureException;

import java.util.ArrayList;
import java.util.List;

/** A validated {@code POST /v1/embeddings} body. */
public record EmbeddingRequest(String model, List<String> inputs, boolean base64) {

    /** Inputs per request, as OpenAI limits them. */
    public static final int MAX_INPUTS = 2048;

    public EmbeddingRequest {
        inputs = List.copyOf(inputs);
    }

    public static EmbeddingRequest parse(JsonNode body) {
        Fields fields = new Fields(body);
        String model = fields.requiredString("model");
        JsonNode input = body.get("input");
        List<String> inputs = new ArrayList<>();
        if (input == null || input.isNull()) {
            throw FailureException.invalid("input", "Missing required parameter: 'input'.");
        } else if (input.isTextual()) {
            inputs.add(input.asText());
        } else if (input.isArray() && !input.isEmpty()) {
            for (int i = 0; i < input.size(); i++) {
                if (!input.get(i).isTextual()) {
                    throw FailureException.unsupported("input[" + i + "]", "Only string inputs are supported; token "
                            + "arrays are not.");
                }
                inputs.add(input.get(i).asText());
            }
        } else {
            throw FailureException.invalid("input", "Invalid type for 'input': expected a string or a non-empty array "
                    + "of strings.");
        }
        if (inputs.size() > MAX_INPUTS) {
            throw FailureException.invalid("input", "Invalid 'input': at most " + MAX_INPUTS + " inputs.");
        }
        for (int i = 0; i < inputs.size(); i++) {
            if (inputs.get(i).isEmpty()) {
                throw FailureException.invalid(inputs.size() == 1 ? "input" : "input[" + i + "]",
                        "Invalid 'input': must not be empty.");
            }
        }
        String format = body.hasNonNull("encoding_format") ? body.get("encoding_format").asText() : "float";
        if (!format.equals("float") && !format.equals("base64")) {
            throw FailureException.invalid("encoding_format", "Invalid 'encoding_format': use 'float' or 'base64'.");
        }
        if (body.hasNonNull("dimensions")) {
            throw FailureException.unsupported("dimensions", "dimensions is not supported by this node.");
        }
        return new EmbeddingRequest(model, inputs, format.equals("base64"));
    }
}
