package dev.llmlb.api.engine;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One chat message.
 *
 * @param role       {@code system}, {@code user}, {@code assistant} or {@code tool}
 * @param content    its text; empty for an assistant message that only calls tools
 * @param toolCalls  the functions an assistant message called; empty for every other message
 * @param toolCallId for a {@code tool} message, the id of the call it answers
 * @param name       for a {@code tool} message, the function that answered, when the client said
 */
public record ChatMessage(String role, String content, List<ToolCall> toolCalls, Optional<String> toolCallId,
                          Optional<String> name) {

    public ChatMessage {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
        toolCalls = List.copyOf(toolCalls);
        toolCallId = toolCallId == null ? Optional.empty() : toolCallId;
        name = name == null ? Optional.empty() : name;
    }

    /** A message of text alone. */
    public ChatMessage(String role, String content) {
        this(role, content, List.of(), Optional.empty(), Optional.empty());
    }
}
