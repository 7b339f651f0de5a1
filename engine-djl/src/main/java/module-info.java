/**
 * Engine plugin {@code djl}: safetensors Llama-family decoders (Llama, Qwen2, Mistral; generate and embed) and
 * BERT-family encoders (BERT, RoBERTa, XLM-RoBERTa, MPNet; embed) on DJL's PyTorch engine.
 */
module dev.llmlb.engine.djl {
    requires dev.llmlb.api;
    requires dev.llmlb.engine.hf;
    requires ai.djl.api;
    requires ai.djl.pytorch_engine;
    requires com.fasterxml.jackson.databind;

    provides dev.llmlb.api.engine.InferenceEngineFactory with dev.llmlb.engine.djl.DjlEngineFactory;
}
