/** Engine plugin {@code djl}: safetensors Llama-family models (Llama, Qwen2, Mistral) on DJL's PyTorch engine. */
module dev.llmlb.engine.djl {
    requires dev.llmlb.api;
    requires dev.llmlb.engine.hf;
    requires ai.djl.api;
    requires ai.djl.pytorch_engine;
    requires com.fasterxml.jackson.databind;

    provides dev.llmlb.api.engine.InferenceEngineFactory with dev.llmlb.engine.djl.DjlEngineFactory;
}
