package dev.llmlb.host.inference;

import java.io.IOException;

/** Receives generated text on the request's thread; throws when the client has gone. */
@FunctionalInterface
public interface TextConsumer {

    void accept(String text) throws IOException;
}
