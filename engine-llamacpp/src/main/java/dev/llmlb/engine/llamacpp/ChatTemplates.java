package dev.llmlb.engine.llamacpp;

import dev.llmlb.api.engine.ChatMessage;

import java.util.List;

/**
 * Chat formatting. llama.cpp renders the model's own Jinja template ({@code tokenizer.chat_template}); a model
 * without one gets ChatML, which this constant spells out.
 */
final class ChatTemplates {

    /** The fallback for models without a chat template: ChatML. */
    static final String CHATML = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + "
            + "message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}"
            + "{{ '<|im_start|>assistant\\n' }}{% endif %}";

    private ChatTemplates() {
    }

    /** The request llama.cpp's template code takes: {@code {"messages": [...]}} as JSON. */
    static String messagesJson(List<ChatMessage> messages) {
        StringBuilder json = new StringBuilder("{\"messages\": [");
        for (int i = 0; i < messages.size(); i++) {
            ChatMessage m = messages.get(i);
            json.append(i == 0 ? "" : ", ").append("{\"role\": ").append(quote(m.role())).append(", \"content\": ")
                    .append(quote(m.content())).append('}');
        }
        return json.append("]}").toString();
    }

    static String quote(String text) {
        StringBuilder out = new StringBuilder(text.length() + 2).append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }
}
