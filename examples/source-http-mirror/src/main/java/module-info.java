/** An example third-party source plugin: {@code http_mirror}, files from any HTTP server. */
module org.example.mirror {
    requires dev.llmlb.api;

    provides dev.llmlb.api.source.ModelSourceFactory with org.example.mirror.HttpMirrorSourceFactory;
}
