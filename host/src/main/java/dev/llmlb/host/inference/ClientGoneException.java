package dev.llmlb.host.inference;

/**
 * The request ended before its answer was complete because its client left (or the node is stopping); nothing more
 * can be sent to it. Not an error of the node's: it is logged in one line.
 */
public final class ClientGoneException extends RuntimeException {

    public ClientGoneException(String reason) {
        super(reason, null, false, false);
    }
}
