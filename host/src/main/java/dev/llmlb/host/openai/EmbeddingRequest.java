package dev.llmlb.host.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmlb.api.engine.EmbeddingInput;
import dev.llmlb.api.engine.EmbeddingResult;
import dev.llmlb.host.failure.FailureException;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/**
 * A validated {@code POST /v1/embeddings} body, as OpenAI defines it: {@code input} is a string, an array of strings,
 * an array of token ids, or an array of arrays of token ids; {@code encoding_format} {@code float} (default) or
 * {@code base64}; {@code dimensions} shortens the vectors; {@code user} is accepted and ignored.
 *
 * @param model      the model id
 * @param inputs     what to embed, in order
 * @param base64     whether vectors go out as base64 of little-endian float32
 * @param dimensions the size to shorten every vector to, when asked
 */
public record EmbeddingRequest(String model, List<EmbeddingInput> inputs, boolean base64, OptionalInt dimensions) {

    /** Inputs per request, as OpenAI limits them. */
    public static final int MAX_INPUTS = 2048;

    public EmbeddingRequest {
        inputs = List.copyOf(inputs);
    }

    public static EmbeddingRequest parse(JsonNode body) {
        Fields fields = new Fields(body);
        String model = fields.requiredString("model");
        List<EmbeddingInput> inputs = inputs(body.get("input"));
        String format = body.hasNonNull("encoding_format") ? body.get("encoding_format").asText() : "float";
        if (!format.equals("float") && !format.equals("base64")) {
            throw FailureException.invalid("encoding_format", "Invalid 'encoding_format': use 'float' or 'base64'.");
        }
        OptionalInt dimensions = fields.integer("dimensions", 1);
        return new EmbeddingRequest(model, inputs, format.equals("base64"), dimensions);
    }

    /** The request the engine gets. */
    public dev.llmlb.api.engine.EmbeddingRequest toEngineRequest() {
        return new dev.llmlb.api.engine.EmbeddingRequest(inputs);
    }

    /**
     * The vectors cut to {@code dimensions} and normalised again, when asked for. Only normalised vectors may be
     * cut: a model that normalises its output is used by cosine similarity, and the leading values of its vectors
     * keep their direction best; a model that leaves its vectors unnormalised gives no such promise.
     *
     * @throws FailureException 400 naming {@code dimensions} when the model does not normalise, or gives fewer
     */
    public EmbeddingResult shortened(String modelId, EmbeddingResult result) {
        if (dimensions.isEmpty()) {
            return result;
        }
        int wanted = dimensions.getAsInt();
        if (!result.normalized()) {
            throw FailureException.invalid("dimensions", "Model '" + modelId + "' does not normalise its embeddings, "
                    + "so they cannot be shortened; leave out 'dimensions'.");
        }
        if (wanted > result.dimensions()) {
            throw FailureException.invalid("dimensions", "Invalid 'dimensions': model '" + modelId + "' gives "
                    + result.dimensions() + " dimensions, fewer than " + wanted + ".");
        }
        return wanted == result.dimensions() ? result : result.truncated(wanted);
    }

    private static List<EmbeddingInput> inputs(JsonNode input) {
        if (input == null || input.isNull()) {
            throw FailureException.invalid("input", "Missing required parameter: 'input'.");
        }
        if (input.isTextual()) {
            return List.of(text(input, "input"));
        }
        if (!input.isArray() || input.isEmpty()) {
            throw FailureException.invalid("input", "Invalid type for 'input': expected a string, an array of strings, "
                    + "an array of token ids or an array of arrays of token ids, and not empty.");
        }
        if (input.get(0).isIntegralNumber()) {
            // One input given as token ids.
            return List.of(tokens(input, "input"));
        }
        if (input.size() > MAX_INPUTS) {
            throw FailureException.invalid("input", "Invalid 'input': at most " + MAX_INPUTS + " inputs, got "
                    + input.size() + ".");
        }
        boolean arrays = input.get(0).isArray();
        List<EmbeddingInput> inputs = new ArrayList<>(input.size());
        for (int i = 0; i < input.size(); i++) {
            JsonNode item = input.get(i);
            String param = "input[" + i + "]";
            if (arrays && item.isArray()) {
                inputs.add(tokens(item, param));
            } else if (!arrays && item.isTextual()) {
                inputs.add(text(item, param));
            } else {
                throw FailureException.invalid(param, "Invalid type for '" + param + "': expected "
                        + (arrays ? "an array of token ids, as the first input is" : "a string, as the first input is")
                        + ".");
            }
        }
        return inputs;
    }

    private static EmbeddingInput text(JsonNode node, String param) {
        if (node.asText().isEmpty()) {
            throw FailureException.invalid(param, "Invalid '" + param + "': must not be empty.");
        }
        return new EmbeddingInput.Text(Fields.wellFormed(param, node.asText()));
    }

    private static EmbeddingInput tokens(JsonNode node, String param) {
        if (node.isEmpty()) {
            throw FailureException.invalid(param, "Invalid '" + param + "': must not be empty.");
        }
        int[] ids = new int[node.size()];
        for (int i = 0; i < ids.length; i++) {
            JsonNode id = node.get(i);
            if (!id.isIntegralNumber() || !id.canConvertToInt() || id.asInt() < 0) {
                throw FailureException.invalid(param, "Invalid '" + param + "': token ids are integers from 0, got "
                        + id + " at index " + i + ".");
            }
            ids[i] = id.asInt();
        }
        return EmbeddingInput.Tokens.of(ids);
    }
}
