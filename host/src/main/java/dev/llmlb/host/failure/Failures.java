package dev.llmlb.host.failure;

import dev.llmlb.api.LlmlbException;
import dev.llmlb.api.engine.ContextLengthExceededException;
import dev.llmlb.api.engine.EngineException;
import dev.llmlb.api.engine.InvalidInputException;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * Turns whatever was thrown (by the node or by a plugin) into a {@link Failure}. Unknown exceptions become an
 * {@link Failure.Kind#INTERNAL} failure whose message names no class: the caller logs the throwable itself.
 */
public final class Failures {

    private Failures() {
    }

    /** The failure a throwable stands for. */
    public static Failure of(Throwable thrown) {
        Throwable t = unwrap(thrown);
        if (t instanceof CarriesFailure f) {
            return f.failure();
        }
        if (t instanceof ContextLengthExceededException e) {
            return new Failure(Failure.Kind.INVALID_INPUT, e.code(), e.getMessage(), "messages", 0);
        }
        if (t instanceof InvalidInputException e) {
            return new Failure(Failure.Kind.INVALID_INPUT, e.code(), e.getMessage(), e.param(), 0);
        }
        if (t instanceof EngineException e) {
            return new Failure(Failure.Kind.ENGINE_ERROR, e.code(), e.getMessage());
        }
        if (t instanceof LlmlbException e) {
            return new Failure(Failure.Kind.ENGINE_ERROR, e.code(), e.getMessage());
        }
        if (t instanceof UnsupportedOperationException e) {
            return new Failure(Failure.Kind.INVALID_INPUT, "unsupported_operation", e.getMessage(), "model", 0);
        }
        return new Failure(Failure.Kind.INTERNAL, "internal_error",
                "The node failed to handle the request; its log has the details.");
    }

    /** Whether the throwable is one the node expects (no stack trace belongs in the log). */
    public static boolean isExpected(Throwable thrown) {
        Throwable t = unwrap(thrown);
        return t instanceof CarriesFailure || t instanceof LlmlbException
                || t instanceof UnsupportedOperationException;
    }

    /** The exception behind the wrappers of futures. */
    public static Throwable unwrap(Throwable thrown) {
        Throwable t = thrown;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
