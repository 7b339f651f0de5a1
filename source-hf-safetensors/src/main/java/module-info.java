/** Source plugin hf_safetensors: a HuggingFace transformers repository with safetensors weights. */
module dev.llmlb.source.safetensors {
    requires dev.llmlb.api;
    requires dev.llmlb.source.hf;
    requires com.fasterxml.jackson.databind;

    provides dev.llmlb.api.source.ModelSourceFactory
            with dev.llmlb.source.safetensors.HfSafetensorsSourceFactory;
}
