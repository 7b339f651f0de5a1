/** Source plugin hf_onnx: an ONNX text-generation export on HuggingFace. */
module dev.llmlb.source.onnx {
    requires dev.llmlb.api;
}
