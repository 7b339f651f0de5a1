/** What the HuggingFace sources share: resolve URLs, the tree listing, repo ids, file selection. */
module dev.llmlb.source.hf {
    requires transitive dev.llmlb.api;
    requires com.fasterxml.jackson.databind;

    exports dev.llmlb.source.hf;
}
