package dev.llmlb.api.engine;

import java.util.Objects;

/**
 * One chat message.
 *
 * @param role    {@code system}, {@code user}, {@code assistant} or {@code tool}
 * @param content its text
 */
public record ChatMessage(String role, String content) {

    public ChatMessage {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
    }
}
