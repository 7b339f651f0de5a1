/**
 * What the engines for HuggingFace transformers folders share: {@code tokenizer.json} through DJL's HuggingFace
 * tokenizers, the chat template of {@code tokenizer_config.json} through Jinjava, {@code config.json}, sampling,
 * incremental detokenization and the decode loop that batches generations ({@code DecodeScheduler}). Engines depend
 * on it and bundle it; it is not a plugin.
 */
module dev.llmlb.engine.hf {
    requires transitive dev.llmlb.api;
    requires ai.djl.api;
    requires ai.djl.tokenizers;
    requires jinjava;
    requires com.fasterxml.jackson.databind;

    exports dev.llmlb.engine.hf;
    exports dev.llmlb.engine.hf.embed;
    exports dev.llmlb.engine.hf.json;
    // Jinjava calls the template functions (raise_exception, strftime_now) by reflection.
    opens dev.llmlb.engine.hf.internal to jinjava;
}
