package dev.llmlb.host.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmlb.api.engine.ChatMessage;
import dev.llmlb.api.engine.SamplingParams;
import dev.llmlb.host.failure.FailureException;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;

/**
 * A validated {@code POST /v1/chat/completions} body.
 *
 * @param maxTokens {@code max_completion_tokens}, else {@code max_tokens}; empty to generate until the context ends
 */
public record ChatCompletionRequest(String model, List<ChatMessage> messages, OptionalInt maxTokens,
                                    SamplingParams sampling, List<String> stop, boolean stream,
                                    boolean includeUsage) {

    private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool");

    public ChatCompletionRequest {
        messages = List.copyOf(messages);
        stop = List.copyOf(stop);
    }

    /** Validates a request body; every problem is a 400 naming its parameter. */
    public static ChatCompletionRequest parse(JsonNode body) {
        Fields fields = new Fields(body);
        String model = fields.requiredString("model");
        List<ChatMessage> messages = messages(body.get("messages"));
        fields.singleChoice();
        fields.rejectIfTrue("logprobs", "logprobs are not supported by this node.");
        if (body.hasNonNull("tools") && body.get("tools").size() > 0) {
            throw FailureException.unsupported("tools", "Tool calls are not supported by this node.");
        }
        OptionalInt maxTokens = fields.integer("max_completion_tokens", 1);
        if (maxTokens.isEmpty()) {
            maxTokens = fields.integer("max_tokens", 1);
        }
        boolean stream = fields.bool("stream", false);
        return new ChatCompletionRequest(model, messages, maxTokens, SamplingFields.read(fields), fields.stop(),
                stream, fields.includeUsage(stream));
    }

    private static List<ChatMessage> messages(JsonNode node) {
        if (node == null || node.isNull()) {
            throw FailureException.invalid("messages", "Missing required parameter: 'messages'.");
        }
        if (!node.isArray()) {
            throw FailureException.invalid("messages", "Invalid type for 'messages': expected an array.");
        }
        if (node.isEmpty()) {
            throw FailureException.invalid("messages", "Invalid 'messages': expected at least one message.");
        }
        List<ChatMessage> messages = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            String param = "messages[" + i + "]";
            JsonNode message = node.get(i);
            if (!message.isObject()) {
                throw FailureException.invalid(param, "Invalid type for '" + param + "': expected an object.");
            }
            JsonNode role = message.get("role");
            if (role == null || role.isNull()) {
                throw FailureException.invalid(param + ".role", "Missing required parameter: '" + param + ".role'.");
            }
            if (!role.isTextual() || !ROLES.contains(role.asText())) {
                throw FailureException.invalid(param + ".role", "Invalid value for '" + param + ".role': "
                        + role + "; supported values are 'system', 'developer', 'user', 'assistant' and 'tool'.");
            }
            String text = content(message.get("content"), param + ".content");
            String normalizedRole = role.asText().equals("developer") ? "system" : role.asText();
            messages.add(new ChatMessage(normalizedRole, text));
        }
        return messages;
    }

    /** A string, or an array of {@code {"type":"text","text":...}} parts joined together. */
    private static String content(JsonNode content, String param) {
        if (content == null || content.isNull()) {
            return "";
        }
        if (content.isTextual()) {
            return Fields.wellFormed(param, content.asText());
        }
        if (!content.isArray()) {
            throw FailureException.invalid(param, "Invalid type for '" + param + "': expected a string or an array of "
                    + "content parts.");
        }
        StringBuilder text = new StringBuilder();
        for (int p = 0; p < content.size(); p++) {
            JsonNode part = content.get(p);
            String partParam = param + "[" + p + "]";
            if (!part.isObject() || !part.path("type").isTextual()) {
                throw FailureException.invalid(partParam, "Invalid '" + partParam + "': expected {\"type\": \"text\", "
                        + "\"text\": ...}.");
            }
            if (!part.get("type").asText().equals("text")) {
                throw FailureException.unsupported(partParam + ".type", "Content parts of type '"
                        + part.get("type").asText() + "' are not supported; only text.");
            }
            if (!part.path("text").isTextual()) {
                throw FailureException.invalid(partParam + ".text", "Invalid type for '" + partParam
                        + ".text': expected a string.");
            }
            text.append(Fields.wellFormed(partParam + ".text", part.get("text").asText()));
        }
        return text.toString();
    }
}
