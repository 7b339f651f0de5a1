package dev.llmlb.host.openai;

/** OpenAI's {@code tool_choice}: whether and which function the model must call. */
public sealed interface ToolChoice {

    /** The model answers in text; tools are still shown to it. */
    record None() implements ToolChoice {
    }

    /** The model chooses: text, or calls written in its own format, which the node finds in the text. */
    record Auto() implements ToolChoice {
    }

    /** The model must call one or more of the tools: the output is held to their schemas. */
    record Required() implements ToolChoice {
    }

    /** The model must call this function: the output is held to its parameters' schema. */
    record Named(String name) implements ToolChoice {
    }
}
