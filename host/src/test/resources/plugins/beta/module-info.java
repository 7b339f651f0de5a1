module test.beta {
    requires dev.llmlb.api;
    requires test.lib;
    provides dev.llmlb.api.source.ModelSourceFactory with test.beta.Factory;
}
