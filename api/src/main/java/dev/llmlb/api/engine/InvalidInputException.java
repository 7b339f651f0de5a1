package dev.llmlb.api.engine;

import dev.llmlb.api.LlmlbException;

/**
 * The request cannot be served as asked (an empty prompt with nothing to continue, text a tokenizer refuses, a chat
 * template that raises an error); the host answers 400 naming {@link #param()}.
 */
public final class InvalidInputException extends LlmlbException {

    private final String param;

    public InvalidInputException(String param, String message) {
        super(message);
        this.param = param;
    }

    /** The request field at fault, e.g. {@code prompt} or {@code messages}. */
    public String param() {
        return param;
    }

    @Override
    public String code() {
        return "invalid_input";
    }
}
