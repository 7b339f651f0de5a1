/** Source plugin hf_gguf: GGUF files from a HuggingFace repository. */
module dev.llmlb.source.gguf {
    requires dev.llmlb.api;
    requires dev.llmlb.source.hf;

    provides dev.llmlb.api.source.ModelSourceFactory with dev.llmlb.source.gguf.HfGgufSourceFactory;
}
