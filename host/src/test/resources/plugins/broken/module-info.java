module test.broken {
    requires dev.llmlb.api;
    provides dev.llmlb.api.source.ModelSourceFactory with test.broken.Factory;
}
