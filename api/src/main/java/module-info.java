/**
 * The llmlb-node plugin SPI.
 *
 * <p>A plugin provides {@link dev.llmlb.api.source.ModelSourceFactory} (one per {@code source} value of
 * {@code supported_models.json}) or {@link dev.llmlb.api.engine.InferenceEngineFactory} (one per engine) through
 * {@link java.util.ServiceLoader}. The host owns everything else: transfers, locks, verification, HTTP, lifecycle.
 */
module dev.llmlb.api {
    exports dev.llmlb.api;
    exports dev.llmlb.api.source;
    exports dev.llmlb.api.engine;
}
