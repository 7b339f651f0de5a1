/** Source plugin hf_onnx: an ONNX text-generation export on HuggingFace. */
module dev.llmlb.source.onnx {
    requires dev.llmlb.api;
    requires dev.llmlb.source.hf;

    provides dev.llmlb.api.source.ModelSourceFactory with dev.llmlb.source.onnx.HfOnnxSourceFactory;
}
