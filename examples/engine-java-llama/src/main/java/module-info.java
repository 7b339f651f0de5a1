/** An example third-party engine plugin: {@code java_llama}, F32 Llama GGUF models in plain Java. */
module org.example.javallama {
    requires dev.llmlb.api;

    provides dev.llmlb.api.engine.InferenceEngineFactory with org.example.javallama.JavaLlamaEngineFactory;
}
