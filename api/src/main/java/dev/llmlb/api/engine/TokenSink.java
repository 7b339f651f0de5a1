package dev.llmlb.api.engine;

/**
 * Receives generated tokens one at a time.
 */
@FunctionalInterface
public interface TokenSink {

    /**
     * One generated token.
     *
     * @param text the text it adds, possibly empty
     * @return {@code true} to go on, {@code false} to stop now (the client left, or a stop sequence matched)
     */
    boolean onToken(String text);
}
