package dev.llmlb.host.resolve;

import dev.llmlb.host.models.ModelFailure;

/** A model could not be fetched; carries what the client and the status endpoint are told. */
public final class FetchException extends Exception {

    private final ModelFailure failure;

    public FetchException(ModelFailure failure, Throwable cause) {
        super(failure.message(), cause);
        this.failure = failure;
    }

    public ModelFailure failure() {
        return failure;
    }
}
