/**
 * Engine plugin {@code onnx}: decoder-only language models exported to ONNX (the HuggingFace Optimum signature),
 * run with ONNX Runtime.
 */
module dev.llmlb.engine.onnx {
    requires dev.llmlb.api;
    requires com.fasterxml.jackson.databind;
    requires com.microsoft.onnxruntime;
}
