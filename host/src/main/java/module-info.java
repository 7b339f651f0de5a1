/**
 * The llmlb node: web server, configuration, auth, plugin loading, downloads and model lifecycle.
 * Plugins meet it only through {@code dev.llmlb.api}.
 */
module dev.llmlb.host {
    requires dev.llmlb.api;
    requires io.helidon.webserver;
    requires java.net.http;
    requires io.helidon.logging.jul;
    requires com.fasterxml.jackson.databind;
    requires java.logging;
    requires jdk.management;
    requires io.prometheus.metrics.core;
    requires io.prometheus.metrics.model;
    requires io.prometheus.writer.text;
    requires io.prometheus.metrics.config;

    uses dev.llmlb.api.source.ModelSourceFactory;
    uses dev.llmlb.api.engine.InferenceEngineFactory;

    exports dev.llmlb.host;
    exports dev.llmlb.host.config;

    opens dev.llmlb.host.models to com.fasterxml.jackson.databind;
    opens dev.llmlb.host.resolve to com.fasterxml.jackson.databind;
    opens dev.llmlb.host.plugins to com.fasterxml.jackson.databind;
}
