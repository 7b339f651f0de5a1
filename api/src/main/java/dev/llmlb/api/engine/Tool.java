package dev.llmlb.api.engine;

import java.util.Objects;

/**
 * A function the model may call, as OpenAI's {@code tools} entries declare it. Engines pass it to the model's chat
 * template the way HuggingFace transformers does: {@code {"type": "function", "function": {"name", "description",
 * "parameters"}}}.
 *
 * @param name        the function's name
 * @param description what it does; empty when the client gave none
 * @param parameters  its parameters as a JSON Schema (JSON text of an object)
 */
public record Tool(String name, String description, String parameters) {

    public Tool {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(parameters, "parameters");
    }
}
