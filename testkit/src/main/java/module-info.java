/** Shared test infrastructure: the fake hub, tiny model generators, plugin contract tests. */
module dev.llmlb.testkit {
    requires transitive dev.llmlb.api;
    requires jdk.httpserver;

    exports dev.llmlb.testkit.source;
}
