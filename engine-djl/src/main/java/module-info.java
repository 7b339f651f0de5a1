/** Engine plugin djl: safetensors Llama-family models on DJL's PyTorch engine. */
module dev.llmlb.engine.djl {
    requires dev.llmlb.api;
}
