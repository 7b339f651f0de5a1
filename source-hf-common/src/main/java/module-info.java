/**
 * What the HuggingFace sources share: repo ids, resolve and tree URLs, the tree listing, safe relative paths,
 * and turning listed artifacts and tree entries into {@link dev.llmlb.api.source.RemoteFile}s. A library bundled
 * into each HuggingFace source's plugin folder, never a plugin itself.
 */
module dev.llmlb.source.hf {
    requires transitive dev.llmlb.api;
    requires com.fasterxml.jackson.databind;

    exports dev.llmlb.source.hf;
}
