package dev.llmlb.engine.llamacpp;

/**
 * Tells llama.cpp's errors from ours. java-llama.cpp reports native failures with {@code LlamaException}, a
 * {@link RuntimeException} that is not public, so it can only be recognised by name.
 */
final class NativeErrors {

    private static final String LLAMA_EXCEPTION = "de.kherud.llama.LlamaException";

    private NativeErrors() {
    }

    /** Rethrows {@code e} unless it is a {@code LlamaException}, which the caller then turns into its own error. */
    static void rethrowIfNotNative(RuntimeException e) {
        if (!e.getClass().getName().equals(LLAMA_EXCEPTION)) {
            throw e;
        }
    }
}
