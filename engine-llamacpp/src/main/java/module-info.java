/** Engine plugin {@code llamacpp}: GGUF models through java-llama.cpp. */
module dev.llmlb.engine.llamacpp {
    requires dev.llmlb.api;
    requires llama;

    provides dev.llmlb.api.engine.InferenceEngineFactory with dev.llmlb.engine.llamacpp.LlamaCppEngineFactory;
}
