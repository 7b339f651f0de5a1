package dev.llmlb.host.metrics;

import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.io.IOException;
import java.io.OutputStream;
import java.util.function.Consumer;

/**
 * The node's metrics in Prometheus' text format ({@code GET /metrics}): HTTP requests by route and status, request
 * latency, time to first token, tokens, queues, downloads (started, completed, failed, bytes, throughput,
 * verification failures), loaded models and plugin failures. One registry per node, never the global default.
 */
public final class NodeMetrics {

    private static final double[] LATENCY_BUCKETS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
        60, 120, 300};

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter requests = Counter.builder().name("llmlb_http_requests")
            .help("HTTP requests by route, method and status").labelNames("route", "method", "status")
            .register(registry);
    private final Histogram latency = Histogram.builder().name("llmlb_http_request_duration_seconds")
            .help("HTTP request latency, until the last byte of the answer").labelNames("route")
            .classicOnly().classicUpperBounds(LATENCY_BUCKETS).register(registry);
    private final Histogram firstToken = Histogram.builder().name("llmlb_time_to_first_token_seconds")
            .help("Time from the start of a generation to its first text").labelNames("model")
            .classicOnly().classicUpperBounds(LATENCY_BUCKETS).register(registry);
    private final Counter generated = Counter.builder().name("llmlb_generated_tokens")
            .help("Tokens generated").labelNames("model").register(registry);
    private final Counter prompted = Counter.builder().name("llmlb_prompt_tokens")
            .help("Prompt tokens processed").labelNames("model").register(registry);
    private final Counter downloadsStarted = Counter.builder().name("llmlb_downloads_started")
            .help("Model downloads started").labelNames("model").register(registry);
    private final Counter downloadsCompleted = Counter.builder().name("llmlb_downloads_completed")
            .help("Model downloads completed and verified").labelNames("model").register(registry);
    private final Counter downloadsFailed = Counter.builder().name("llmlb_downloads_failed")
            .help("Model downloads that failed").labelNames("model", "code").register(registry);
    private final Counter downloadedBytes = Counter.builder().name("llmlb_downloaded_bytes")
            .help("Bytes written by model downloads").register(registry);
    private final Gauge throughput = Gauge.builder().name("llmlb_download_throughput_bytes_per_second")
            .help("Mean throughput of the model's last completed download").labelNames("model").register(registry);
    private final Counter verificationFailures = Counter.builder().name("llmlb_verification_failures")
            .help("Downloaded files that failed size or SHA-256 verification").register(registry);
    private final Counter loads = Counter.builder().name("llmlb_model_loads")
            .help("Models loaded into an engine").labelNames("model", "engine").register(registry);
    private final Gauge pluginFailures = Gauge.builder().name("llmlb_plugin_load_failures")
            .help("Plugins found but not loaded").register(registry);


    /**
     * Registers the gauges that read live state: loaded models and, per model, running and queued requests and the
     * sequences it runs at once ({@code {running, queued, sequences}}).
     */
    public void observeState(java.util.function.IntSupplier loadedModels,
                             java.util.function.Supplier<java.util.Map<String, int[]>> perModel) {
        GaugeWithCallback.builder().name("llmlb_loaded_models").help("Models in memory")
                .callback(cb -> cb.call(loadedModels.getAsInt())).register(registry);
        GaugeWithCallback.builder().name("llmlb_running_requests").help("Generations running, by model")
                .labelNames("model").callback(cb -> perModel.get().forEach((model, counts) ->
                        cb.call(counts[0], model))).register(registry);
        GaugeWithCallback.builder().name("llmlb_queue_length").help("Requests waiting for a free sequence, by model")
                .labelNames("model").callback(cb -> perModel.get().forEach((model, counts) ->
                        cb.call(counts[1], model))).register(registry);
        GaugeWithCallback.builder().name("llmlb_model_sequences")
                .help("Sequences the loaded model decodes at once (its batch capacity), by model; with "
                        + "llmlb_running_requests, the batch occupancy")
                .labelNames("model").callback(cb -> perModel.get().forEach((model, counts) ->
                        cb.call(counts[2], model))).register(registry);
    }

    /** Methods that get a label of their own; any other shares {@code OTHER}, so clients cannot add series. */
    private static final java.util.Set<String> METHODS = java.util.Set.of("GET", "POST", "DELETE", "HEAD", "PUT",
            "PATCH", "OPTIONS");

    /**
     * Counts a request. {@code route} must come from {@link Routes}, so that the labels have few values whatever
     * paths and methods clients send.
     */
    public void request(String route, String method, int status, long nanos) {
        requests.labelValues(route, METHODS.contains(method) ? method : "OTHER", Integer.toString(status)).inc();
        latency.labelValues(route).observe(nanos / 1e9);
    }

    public void firstToken(String model, long nanos) {
        firstToken.labelValues(model).observe(nanos / 1e9);
    }

    public void tokens(String model, int prompt, int completion) {
        prompted.labelValues(model).inc(prompt);
        generated.labelValues(model).inc(completion);
    }

    public void downloadStarted(String model) {
        downloadsStarted.labelValues(model).inc();
    }

    public void downloadCompleted(String model, long bytes, long nanos) {
        downloadsCompleted.labelValues(model).inc();
        if (nanos > 0 && bytes > 0) {
            throughput.labelValues(model).set(bytes / (nanos / 1e9));
        }
    }

    public void downloadFailed(String model, String code) {
        downloadsFailed.labelValues(model, code).inc();
    }

    public void downloadedBytes(long bytes) {
        if (bytes > 0) {
            downloadedBytes.inc(bytes);
        }
    }

    public void verificationFailed() {
        verificationFailures.inc();
    }

    public void modelLoaded(String model, String engine) {
        loads.labelValues(model, engine).inc();
    }

    public void pluginFailures(int count) {
        pluginFailures.set(count);
    }

    /** Writes every metric in the Prometheus text format. */
    public void write(OutputStream out) throws IOException {
        PrometheusTextFormatWriter.create().write(out, registry.scrape(), EscapingScheme.UNDERSCORE_ESCAPING);
    }

    public static String contentType() {
        return PrometheusTextFormatWriter.CONTENT_TYPE;
    }
}
