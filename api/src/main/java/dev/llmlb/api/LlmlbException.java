package dev.llmlb.api;

/**
 * The root of the errors plugins raise. The host maps each subclass to an HTTP status and an OpenAI error
 * {@code code}; the message goes to the client as written, so it must say what went wrong and what to do,
 * and must never contain a secret.
 */
public abstract class LlmlbException extends RuntimeException {

    protected LlmlbException(String message) {
        super(message);
    }

    protected LlmlbException(String message, Throwable cause) {
        super(message, cause);
    }

    /** The OpenAI-style error code, e.g. {@code context_length_exceeded}. */
    public abstract String code();
}
