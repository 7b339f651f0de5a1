package dev.llmlb.api.engine;

import dev.llmlb.api.LlmlbException;

/**
 * An engine failed to load a model or to generate. The host answers 500 with code {@code engine_error} and the
 * message, which must carry no secrets.
 */
public class EngineException extends LlmlbException {

    public EngineException(String message) {
        super(message);
    }

    public EngineException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public String code() {
        return "engine_error";
    }
}
