/**
 * Engine plugin {@code onnx}: decoder-only language models exported to ONNX (the HuggingFace Optimum signature; they
 * generate and embed) and BERT-family encoders exported for feature extraction (they embed), run with ONNX Runtime;
 * tokenization, chat templates, sampling, the token loop, pooling and batching come from engine-hf-common.
 */
module dev.llmlb.engine.onnx {
    requires dev.llmlb.api;
    requires dev.llmlb.engine.hf;
    requires com.fasterxml.jackson.databind;
    requires com.microsoft.onnxruntime;

    provides dev.llmlb.api.engine.InferenceEngineFactory with dev.llmlb.engine.onnx.OnnxEngineFactory;
}
