package dev.llmlb.api.engine;

import dev.llmlb.api.LlmlbException;

/**
 * A request's input cannot be used with this model: too long for it, or a token id outside its vocabulary. The host
 * answers 400 naming {@link #param()}.
 */
public class InvalidInputException extends LlmlbException {

    private final String param;
    private final String code;

    /**
     * @param param the request parameter at fault, e.g. {@code input[2]}
     * @param code  an OpenAI-style code, e.g. {@code context_length_exceeded}
     */
    public InvalidInputException(String param, String code, String message) {
        super(message);
        this.param = param;
        this.code = code;
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
