package dev.llmlb.api.engine;

import java.util.List;
import java.util.Objects;

/**
 * What to generate from: chat messages, which the engine formats with the model's own chat template, or raw
 * text, which it tokenizes as is.
 */
public sealed interface Prompt {

    /** Chat messages in order. */
    record Chat(List<ChatMessage> messages) implements Prompt {
        public Chat {
            messages = List.copyOf(messages);
        }
    }

    /** Raw text for a completion. */
    record Text(String text) implements Prompt {
        public Text {
            Objects.requireNonNull(text, "text");
        }
    }
}
