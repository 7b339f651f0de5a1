module test.versioned {
    requires dev.llmlb.api;
    provides dev.llmlb.api.source.ModelSourceFactory with test.versioned.Factory;
}
