package dev.llmlb.host.failure;

/**
 * Carries a {@link Failure} up to the HTTP layer. Expected failures need no stack trace: the failure says it all.
 */
public final class FailureException extends RuntimeException implements CarriesFailure {

    private final transient Failure failure;

    public FailureException(Failure failure) {
        super(failure.message(), null, false, false);
        this.failure = failure;
    }

    public FailureException(Failure failure, Throwable cause) {
        super(failure.message(), cause, false, false);
        this.failure = failure;
    }

    @Override
    public Failure failure() {
        return failure;
    }

    /** 400 for a request field that is missing or wrong. */
    public static FailureException invalid(String param, String message) {
        return Failure.invalid(param, message).exception();
    }

    /** 400 for a request field this node does not support. */
    public static FailureException unsupported(String param, String message) {
        return Failure.unsupported(param, message).exception();
    }

    /** 404 for a model not in the catalog. */
    public static FailureException modelNotFound(String model) {
        return Failure.modelNotFound(model).exception();
    }
}
