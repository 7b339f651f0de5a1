package dev.llmlb.api.engine;

import java.util.List;
import java.util.Objects;

/**
 * What to generate from: chat messages, which the engine formats with the model's own chat template, or raw
 * text, which it tokenizes as is.
 */
public sealed interface Prompt {

    /**
     * Chat messages in order, and the tools the model may call. An engine renders both through the model's chat
     * template (which decides how tools appear in the prompt); a template that knows no tools leaves them out.
     */
    record Chat(List<ChatMessage> messages, List<Tool> tools) implements Prompt {
        public Chat {
            messages = List.copyOf(messages);
            tools = List.copyOf(tools);
        }

        /** Messages without tools. */
        public Chat(List<ChatMessage> messages) {
            this(messages, List.of());
        }
    }

    /** Raw text for a completion. */
    record Text(String text) implements Prompt {
        public Text {
            Objects.requireNonNull(text, "text");
        }
    }
}
