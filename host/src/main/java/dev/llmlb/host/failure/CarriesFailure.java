package dev.llmlb.host.failure;

/** An exception that already says, as a {@link Failure}, what went wrong. */
public interface CarriesFailure {

    Failure failure();
}
