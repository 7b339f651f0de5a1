/** Engine plugin onnx: decoder-only ONNX models through ONNX Runtime. */
module dev.llmlb.engine.onnx {
    requires dev.llmlb.api;
}
