module test.dup {
    requires dev.llmlb.api;
    provides dev.llmlb.api.source.ModelSourceFactory with test.dup.Factory;
}
