package dev.llmlb.host.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmlb.api.engine.SamplingParams;
import dev.llmlb.host.failure.FailureException;

import java.util.List;
import java.util.OptionalInt;
import java.util.Set;

/** A validated {@code POST /v1/completions} body (legacy text completion). */
public record CompletionRequest(String model, String prompt, OptionalInt maxTokens, SamplingParams sampling,
                                List<String> stop, boolean stream, boolean includeUsage, boolean echo, int choices,
                                OptionalInt logprobs) {

    private static final Set<String> KNOWN = Set.of("model", "prompt", "max_tokens", "temperature", "top_p", "n",
            "stream", "stream_options", "logprobs", "echo", "stop", "presence_penalty", "frequency_penalty",
            "best_of", "logit_bias", "seed", "user", "suffix");

    public CompletionRequest {
        stop = List.copyOf(stop);
    }

    /** OpenAI's default for {@code max_tokens} on this endpoint. */
    public static final int DEFAULT_MAX_TOKENS = 16;

    public static CompletionRequest parse(JsonNode body) {
        Fields fields = new Fields(body);
        String model = fields.requiredString("model");
        String prompt = prompt(body.get("prompt"));
        fields.rejectUnknown(KNOWN);
        int choices = fields.choices();
        OptionalInt bestOf = fields.integer("best_of", 1);
        if (bestOf.isPresent() && bestOf.getAsInt() != choices) {
            throw FailureException.unsupported("best_of", "best_of is not supported by this node (only best_of "
                    + "equal to n, which is the same as leaving it out).");
        }
        if (body.hasNonNull("suffix")) {
            throw FailureException.unsupported("suffix", "suffix is not supported by this node.");
        }
        OptionalInt logprobs = fields.integer("logprobs", 0);
        if (logprobs.isPresent() && logprobs.getAsInt() > 5) {
            throw FailureException.invalid("logprobs", "Invalid 'logprobs': at most 5, got " + logprobs.getAsInt()
                    + ".");
        }
        boolean echo = fields.bool("echo", false);
        if (echo && logprobs.isPresent()) {
            throw FailureException.unsupported("logprobs", "'logprobs' together with 'echo' (the prompt's log "
                    + "probabilities) is not supported by this node; leave one of them out.");
        }
        fields.optionalString("user");
        OptionalInt maxTokens = fields.integer("max_tokens", 1);
        boolean stream = fields.bool("stream", false);
        return new CompletionRequest(model, prompt, maxTokens.isPresent() ? maxTokens
                : OptionalInt.of(DEFAULT_MAX_TOKENS), SamplingFields.read(fields), fields.stop(), stream,
                fields.includeUsage(stream), echo, choices, logprobs);
    }

    private static String prompt(JsonNode node) {
        if (node == null || node.isNull()) {
            throw FailureException.invalid("prompt", "Missing required parameter: 'prompt'.");
        }
        if (node.isTextual()) {
            return Fields.wellFormed("prompt", node.asText());
        }
        if (node.isArray() && node.size() == 1 && node.get(0).isTextual()) {
            return Fields.wellFormed("prompt", node.get(0).asText());
        }
        if (node.isArray() && node.size() > 1 && node.get(0).isTextual()) {
            throw FailureException.unsupported("prompt", "Only one prompt per request is supported; send one request "
                    + "per prompt.");
        }
        throw FailureException.invalid("prompt", "Invalid type for 'prompt': expected a string.");
    }
}
