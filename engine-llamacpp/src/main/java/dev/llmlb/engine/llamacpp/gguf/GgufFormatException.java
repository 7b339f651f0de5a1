package dev.llmlb.engine.llamacpp.gguf;

import java.io.IOException;

/** A file is not GGUF, or its metadata is cut short or corrupt. */
public class GgufFormatException extends IOException {

    public GgufFormatException(String message) {
        super(message);
    }
}
