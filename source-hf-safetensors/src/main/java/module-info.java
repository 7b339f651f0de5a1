/** Source plugin hf_safetensors: a HuggingFace transformers repository with safetensors weights. */
module dev.llmlb.source.safetensors {
    requires dev.llmlb.api;
}
