/**
 * Test infrastructure: the fake hub, tiny model generators with reference forward passes, planning doubles, an HTTP
 * client for tests. Free of any test framework; the plugin contract tests are in {@code dev.llmlb.testkit.tck}
 * (artifact {@code llmlb-plugin-tck}).
 */
module dev.llmlb.testkit {
    requires transitive dev.llmlb.api;
    requires transitive java.net.http;
    requires jdk.httpserver;

    exports dev.llmlb.testkit.hub;
    exports dev.llmlb.testkit.http;
    exports dev.llmlb.testkit.models;
    exports dev.llmlb.testkit.source;
}
