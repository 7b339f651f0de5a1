/** Source plugin hf_gguf: GGUF files from a HuggingFace repository. */
module dev.llmlb.source.gguf {
    requires dev.llmlb.api;
}
