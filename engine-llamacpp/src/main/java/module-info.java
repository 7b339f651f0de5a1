/** Engine plugin llamacpp: GGUF models through java-llama.cpp. */
module dev.llmlb.engine.llamacpp {
    requires dev.llmlb.api;
}
