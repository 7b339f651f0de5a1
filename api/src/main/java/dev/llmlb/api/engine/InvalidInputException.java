package dev.llmlb.api.engine;

import dev.llmlb.api.LlmlbException;

/**
 * The request cannot be served as asked: an input too long for the model, a token id outside its vocabulary, an empty
 * prompt with nothing to continue, text a tokenizer refuses, a chat template that raises an error. The host answers
 * 400 naming {@link #param()}.
 */
public class InvalidInputException extends LlmlbException {

    private final String param;
    private final String code;

    /**
     * @param param the request parameter at fault, e.g. {@code input[2]} or {@code messages}
     * @param code  an OpenAI-style code, e.g. {@code context_length_exceeded}
     */
    public InvalidInputException(String param, String code, String message) {
        super(message);
        this.param = param;
        this.code = code;
    }

    /** An input the engine refuses, with the code {@code invalid_input}. */
    public InvalidInputException(String param, String message) {
        this(param, "invalid_input", message);
    }

    /** An input of {@code tokens} tokens where the model takes at most {@code limit}. */
    public static InvalidInputException tooLong(String param, int tokens, int limit) {
        return new InvalidInputException(param, "context_length_exceeded", "Invalid '" + param + "': it has "
                + tokens + " tokens, but this model takes at most " + limit + " tokens per input. Shorten it.");
    }

    /** The request parameter at fault. */
    public String param() {
        return param;
    }

    @Override
    public String code() {
        return code;
    }
}
