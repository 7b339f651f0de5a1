/**
 * Engine plugin llamacpp: GGUF models through java-llama.cpp.
 *
 * <p>{@code llama} is java-llama.cpp's automatic module name (it has no descriptor; the name comes from the jar's
 * file name {@code llama-4.2.0.jar}). A launcher should grant it native access ({@code --enable-native-access=llama})
 * or the JVM warns when it loads its library.
 */
module dev.llmlb.engine.llamacpp {
    requires dev.llmlb.api;
    requires llama;
    requires dev.llmlb.engine.hf;

    provides dev.llmlb.api.engine.InferenceEngineFactory with dev.llmlb.engine.llamacpp.LlamaCppEngineFactory;
}
