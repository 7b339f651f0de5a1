/** Shared test infrastructure: the fake hub, tiny model generators, an HTTP client for tests, plugin contract tests. */
module dev.llmlb.testkit {
    requires transitive dev.llmlb.api;
    requires transitive java.net.http;
    requires transitive org.junit.jupiter.api;
    requires jdk.httpserver;
    requires transitive com.fasterxml.jackson.databind;

    exports dev.llmlb.testkit.hub;
    exports dev.llmlb.testkit.http;
    exports dev.llmlb.testkit.json;
    exports dev.llmlb.testkit.models;
    exports dev.llmlb.testkit.source;
    exports dev.llmlb.testkit.tck;
}
