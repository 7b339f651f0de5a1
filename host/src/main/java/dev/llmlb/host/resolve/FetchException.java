package dev.llmlb.host.resolve;

import dev.llmlb.host.failure.CarriesFailure;
import dev.llmlb.host.failure.Failure;

/** A model could not be fetched; carries what the client and the status endpoint are told. */
public final class FetchException extends Exception implements CarriesFailure {

    private final transient Failure failure;

    public FetchException(Failure failure, Throwable cause) {
        super(failure.message(), cause);
        this.failure = failure;
    }

    @Override
    public Failure failure() {
        return failure;
    }
}
