package dev.llmlb.api.engine;

import java.util.Objects;

/**
 * A function call an assistant made, as OpenAI's {@code tool_calls} entries carry it.
 *
 * @param id        the call's id, which the {@code tool} message answering it names
 * @param name      the function's name
 * @param arguments the arguments as JSON text (an object), exactly as the model or the client wrote them
 */
public record ToolCall(String id, String name, String arguments) {

    public ToolCall {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(arguments, "arguments");
    }
}
