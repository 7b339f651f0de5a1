/**
 * The llmlb node: web server, configuration, auth, plugin loading, downloads and model lifecycle.
 * Plugins meet it only through {@code dev.llmlb.api}.
 */
module dev.llmlb.host {
    requires dev.llmlb.api;
    requires io.helidon.webserver;
    requires io.helidon.webclient;
    requires io.helidon.logging.jul;
    requires com.fasterxml.jackson.databind;
    requires java.logging;

    uses dev.llmlb.api.source.ModelSourceFactory;
    uses dev.llmlb.api.engine.InferenceEngineFactory;

    exports dev.llmlb.host;
}
