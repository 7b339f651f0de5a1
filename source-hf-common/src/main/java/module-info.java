/** What the HuggingFace sources share: resolve URLs, the tree listing, file selection. */
module dev.llmlb.source.hf {
    requires dev.llmlb.api;
    requires com.fasterxml.jackson.databind;
}
