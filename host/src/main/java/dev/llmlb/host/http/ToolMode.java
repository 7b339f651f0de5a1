package dev.llmlb.host.http;

import dev.llmlb.host.openai.ChatCompletionRequest;
import dev.llmlb.host.openai.ToolCallFormat;
import dev.llmlb.host.openai.ToolChoice;

/** What a chat answer's text is, for writing it as OpenAI's {@code content} or {@code tool_calls}. */
sealed interface ToolMode {

    /** Plain text: the content. */
    record Text() implements ToolMode {
    }

    /** Text that may hold calls in the model's own format ({@code tool_choice: "auto"}). */
    record Auto(ToolCallFormat format) implements ToolMode {
    }

    /** JSON of one or more calls ({@code tool_choice: "required"}, see {@code ToolCallSchema}). */
    record Required() implements ToolMode {
    }

    /** The arguments of a call to {@code name}, as JSON. */
    record Named(String name) implements ToolMode {
    }

    /** The mode of a chat request on a model whose chat template is {@code template}. */
    static ToolMode of(ChatCompletionRequest chat, java.util.Optional<String> template) {
        return switch (chat.toolChoice()) {
            case ToolChoice.Named named -> new Named(named.name());
            case ToolChoice.Required required -> new Required();
            // A response format holds the text to its schema: there is no call in it to look for.
            case ToolChoice.Auto auto -> chat.responseFormat().isPresent() ? new Text()
                    : new Auto(ToolCallFormat.of(template));
            case ToolChoice.None none -> new Text();
        };
    }
}
