package dev.llmlb.host.models;

import dev.llmlb.api.ModelSpec;
import dev.llmlb.api.engine.InferenceEngine;
import dev.llmlb.api.engine.LocalModel;
import dev.llmlb.api.engine.ModelInfo;
import dev.llmlb.host.catalog.Catalog;
import dev.llmlb.host.config.NodeConfig;
import dev.llmlb.host.http.ApiException;
import dev.llmlb.host.metrics.NodeMetrics;
import dev.llmlb.host.plugins.PluginRegistry;
import dev.llmlb.host.resolve.FetchException;
import dev.llmlb.host.resolve.FetchListener;
import dev.llmlb.host.resolve.ModelFetcher;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The life of every catalog model: found on disk or fetched (one fetch per model, shared by every request that
 * needs it), loaded into the engine for its format, leased to one generation at a time per sequence the engine
 * offers, and unloaded when idle, least recently used first, to keep within the node's limits.
 */
public final class ModelManager implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(ModelManager.class.getName());

    private final NodeConfig config;
    private final PluginRegistry plugins;
    private final ModelFetcher fetcher;
    private final Residency residency;
    private final NodeMetrics metrics;
    private final Map<String, ModelSlot> slots = new LinkedHashMap<>();
    private final ExecutorService fetchThreads = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("fetch-", 0).factory());
    /** Loads run native code for seconds: platform threads, so no virtual-thread carrier is pinned. */
    private final ExecutorService loadThreads = Executors.newCachedThreadPool(
            Thread.ofPlatform().name("load-", 0).daemon(true).factory());

    public ModelManager(NodeConfig config, Catalog catalog, PluginRegistry plugins, ModelFetcher fetcher,
                        Residency residency, NodeMetrics metrics) {
        this.config = config;
        this.plugins = plugins;
        this.fetcher = fetcher;
        this.residency = residency;
        this.metrics = metrics;
        for (ModelSpec spec : catalog.models()) {
            slots.put(spec.id(), new ModelSlot(spec));
        }
        metrics.observeState(() -> load().loaded(), this::requestsByModel);
    }

    /** Running and queued requests of every model that has any. */
    private Map<String, int[]> requestsByModel() {
        Map<String, int[]> counts = new LinkedHashMap<>();
        for (ModelSlot slot : slots.values()) {
            synchronized (slot) {
                if (slot.active + slot.waiting > 0) {
                    counts.put(slot.spec.id(), new int[] {slot.active, slot.waiting});
                }
            }
        }
        return counts;
    }

    private ModelSlot slot(ModelSpec spec) {
        ModelSlot slot = slots.get(spec.id());
        if (slot == null) {
            throw new IllegalArgumentException("not in the catalog: " + spec.id());
        }
        return slot;
    }

    /** Why the model cannot be served by this node at all (no plugin for it), or empty. */
    public Optional<ModelFailure> unavailable(ModelSpec spec) {
        var source = plugins.source(spec.source());
        if (source.isEmpty()) {
            return Optional.of(new ModelFailure(503, "source_unavailable", "No source plugin for '"
                    + spec.source() + "' is installed on this node; add its folder to the plugins folder."));
        }
        Optional<LocalModel> local = localModel(slot(spec));
        Optional<String> format = local.map(LocalModel::format).or(() -> source.get().expectedFormat());
        if (format.isPresent() && plugins.engines(format.get()).isEmpty()) {
            return Optional.of(new ModelFailure(503, "engine_unavailable", "No inference engine for the '"
                    + format.get() + "' format is installed on this node; add an engine plugin that runs it."));
        }
        if (local.isPresent()) {
            List<String> reasons = plugins.engines(format.get()).stream()
                    .map(engine -> engine.unsupportedReason(local.get()))
                    .flatMap(Optional::stream).toList();
            if (reasons.size() == plugins.engines(format.get()).size()) {
                return Optional.of(new ModelFailure(503, "model_unsupported", "No installed engine can run model '"
                        + spec.id() + "': " + String.join("; ", reasons)));
            }
        }
        return Optional.empty();
    }

    /**
     * What the model offers: its loaded model's capabilities, else what the engine that would run its files says;
     * empty while it is not on disk (nothing tells yet).
     */
    public Optional<Set<ModelInfo.Capability>> capabilities(ModelSpec spec) {
        ModelSlot slot = slot(spec);
        Resident resident;
        synchronized (slot) {
            resident = slot.resident;
        }
        if (resident != null) {
            return Optional.of(resident.model().info().capabilities());
        }
        Optional<LocalModel> local = localModel(slot);
        return local.flatMap(model -> plugins.engines(model.format()).stream()
                .filter(engine -> engine.unsupportedReason(model).isEmpty()).findFirst()
                .map(engine -> engine.capabilities(model)));
    }

    /** Whether the model is complete on disk. */
    public boolean isLocal(ModelSpec spec) {
        return localModel(slot(spec)).isPresent();
    }

    private Optional<LocalModel> localModel(ModelSlot slot) {
        synchronized (slot) {
            if (slot.local != null) {
                return Optional.of(slot.local);
            }
            if (slot.resolution != null && !slot.resolution.isDone()) {
                return Optional.empty();
            }
        }
        Optional<LocalModel> found = fetcher.findLocal(slot.spec);
        synchronized (slot) {
            if (found.isPresent() && slot.local == null && (slot.resolution == null || slot.resolution.isDone())) {
                slot.local = found.get();
                if (!slot.state.isOnDisk()) {
                    slot.state = ModelState.LOCAL;
                }
            }
        }
        return found;
    }

    /** The model's status for {@code GET /v0/models/{id}/status}. */
    public ModelStatus status(ModelSpec spec) {
        ModelSlot slot = slot(spec);
        localModel(slot);
        synchronized (slot) {
            ModelState state = slot.state;
            long total = slot.totalBytes;
            long done = slot.downloadedBytes;
            if (slot.local != null) {
                total = Math.max(total, slot.local.totalBytes());
                done = total;
            }
            double progress = total > 0 ? Math.min(1.0, (double) done / total) : state.isOnDisk() ? 1.0 : 0.0;
            Resident resident = slot.resident;
            return new ModelStatus(spec.id(), state.wireName(), progress, done, total,
                    slot.local != null ? slot.local.directory().toString() : fetcher.folder(spec).toString(),
                    slot.failure != null ? slot.failure.message() : null,
                    slot.failure != null ? slot.failure.code() : null,
                    resident != null ? resident.engine() : null,
                    resident != null ? (resident.onGpu() ? "gpu" : "cpu") : null,
                    spec.requiredVramMb() > 0 ? spec.requiredVramMb() : null,
                    resident != null ? resident.memoryBytes() : null);
        }
    }

    /**
     * Starts fetching the model unless it is on disk or already being fetched; every caller gets the same future.
     */
    public CompletableFuture<LocalModel> ensureLocal(ModelSpec spec) {
        ModelSlot slot = slot(spec);
        synchronized (slot) {
            if (slot.local != null) {
                return CompletableFuture.completedFuture(slot.local);
            }
            if (slot.resolution != null && !slot.resolution.isDone()) {
                return slot.resolution;
            }
            slot.failure = null;
            slot.resolution = CompletableFuture.supplyAsync(() -> resolve(slot), fetchThreads);
            return slot.resolution;
        }
    }

    private LocalModel resolve(ModelSlot slot) {
        ModelSpec spec = slot.spec;
        LOG.log(Level.INFO, "Model resolution started: {0}", spec.id());
        Optional<LocalModel> found = fetcher.findLocal(spec);
        if (found.isPresent()) {
            synchronized (slot) {
                slot.local = found.get();
                slot.state = ModelState.LOCAL;
            }
            LOG.log(Level.INFO, "Model found locally: {0}", spec.id());
            return found.get();
        }
        LOG.log(Level.INFO, "Model not found locally, downloading from HuggingFace...");
        metrics.downloadStarted(spec.id());
        long started = System.nanoTime();
        try {
            LocalModel local = fetcher.fetch(spec, new FetchListener() {
                private long counted;

                @Override
                public void waiting(long downloaded, long total) {
                    slot.progress(ModelState.WAITING, downloaded, total);
                }

                @Override
                public void downloading(long downloaded, long total) {
                    slot.progress(ModelState.DOWNLOADING, downloaded, total);
                    if (downloaded > counted) {
                        metrics.downloadedBytes(downloaded - counted);
                        counted = downloaded;
                    }
                }
            });
            metrics.downloadCompleted(spec.id(), local.totalBytes(), System.nanoTime() - started);
            synchronized (slot) {
                slot.local = local;
                slot.state = ModelState.COMPLETED;
                slot.downloadedBytes = local.totalBytes();
                slot.totalBytes = local.totalBytes();
            }
            LOG.log(Level.INFO, "Download completed: {0}", spec.id());
            return local;
        } catch (FetchException e) {
            metrics.downloadFailed(spec.id(), e.failure().code());
            synchronized (slot) {
                slot.state = ModelState.ERROR;
                slot.failure = e.failure();
            }
            LOG.log(Level.ERROR, "Model {0}: {1}", spec.id(), e.failure().message());
            throw new CompletionException(e);
        } catch (RuntimeException e) {
            metrics.downloadFailed(spec.id(), "download_failed");
            ModelFailure failure = new ModelFailure(502, "download_failed",
                    "Failed to download model: " + e.getMessage());
            synchronized (slot) {
                slot.state = ModelState.ERROR;
                slot.failure = failure;
            }
            LOG.log(Level.ERROR, "Model " + spec.id() + ": unexpected failure while fetching", e);
            throw new CompletionException(new FetchException(failure, e));
        }
    }

    /**
     * Makes the model ready and leases it: waits at most {@code LLMLB_DOWNLOAD_TIMEOUT} for a download (then 503
     * with {@code Retry-After} while it goes on), loads it once, and queues for a free sequence (429 when the
     * queue is full).
     */
    public Lease acquire(ModelSpec spec) {
        Optional<ModelFailure> unavailable = unavailable(spec);
        if (unavailable.isPresent()) {
            throw toApi(unavailable.get());
        }
        ModelSlot slot = slot(spec);
        LocalModel local = awaitLocal(slot, ensureLocal(spec));
        Resident resident = awaitLoaded(slot, local);
        return residency.enter(slot, resident, config.queueSize());
    }

    private LocalModel awaitLocal(ModelSlot slot, CompletableFuture<LocalModel> future) {
        try {
            try {
                return future.get(config.downloadTimeout().toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                if (!isStalled(slot)) {
                    throw e;
                }
                // No progress for half the timeout or more: the transfer is about to fail as a network
                // timeout, and that, not "still downloading", is the answer this client should get.
                return future.get(Math.min(5000, config.downloadTimeout().toMillis()), TimeUnit.MILLISECONDS);
            }
        } catch (TimeoutException e) {
            ModelStatus status = status(slot.spec);
            throw ApiException.unavailable("model_downloading", "Model '" + slot.spec.id() + "' is still "
                    + "downloading (" + Math.round(status.progress() * 100) + "%); retry later or watch "
                    + "/v0/models/" + slot.spec.id() + "/status.", 30);
        } catch (ExecutionException e) {
            throw toApi(failureOf(e.getCause()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiException.unavailable("interrupted", "The node is shutting down.", 5);
        }
    }

    private boolean isStalled(ModelSlot slot) {
        synchronized (slot) {
            return slot.state == ModelState.DOWNLOADING
                    && System.nanoTime() - slot.lastProgressNanos >= config.downloadTimeout().toNanos() / 2;
        }
    }

    private Resident awaitLoaded(ModelSlot slot, LocalModel local) {
        CompletableFuture<Resident> future;
        synchronized (slot) {
            if (slot.resident != null) {
                return slot.resident;
            }
            if (slot.loading == null) {
                slot.state = ModelState.LOADING;
                slot.failure = null;
                slot.loading = CompletableFuture.supplyAsync(() -> load(slot, local), loadThreads);
            }
            future = slot.loading;
        }
        try {
            return future.get();
        } catch (ExecutionException e) {
            throw toApi(failureOf(e.getCause()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiException.unavailable("interrupted", "The node is shutting down.", 5);
        }
    }

    private Resident load(ModelSlot slot, LocalModel local) {
        try {
            InferenceEngine engine = plugins.engines(local.format()).stream()
                    .filter(e -> e.unsupportedReason(local).isEmpty()).findFirst()
                    .orElseThrow(() -> {
                        ModelFailure failure = unavailable(slot.spec).orElse(new ModelFailure(503,
                                "engine_unavailable", "No installed engine runs format " + local.format()));
                        LOG.log(Level.WARNING, "Model {0} is on disk but unavailable: {1}", slot.spec.id(),
                                failure.message());
                        return new ModelLoadException(failure);
                    });
            Resident resident = residency.load(slot, engine, plugins.engineName(engine), local);
            metrics.modelLoaded(slot.spec.id(), resident.engine());
            synchronized (slot) {
                slot.resident = resident;
                slot.loading = null;
                slot.state = ModelState.LOADED;
                slot.lastUsedNanos = System.nanoTime();
            }
            return resident;
        } catch (RuntimeException e) {
            ModelFailure failure = e instanceof ModelLoadException m ? m.failure()
                    : e instanceof ApiException a ? new ModelFailure(a.status(), a.code(), a.getMessage())
                    : new ModelFailure(500, "model_load_failed", "Failed to load model: " + e.getMessage());
            synchronized (slot) {
                slot.loading = null;
                slot.state = ModelState.ERROR;
                slot.failure = failure;
            }
            if (!(e instanceof ApiException) && !(e instanceof ModelLoadException)) {
                LOG.log(Level.ERROR, "Model " + slot.spec.id() + " failed to load", e);
            }
            throw e instanceof ApiException ? e : new CompletionException(new ModelLoadException(failure));
        }
    }

    private static ModelFailure failureOf(Throwable cause) {
        Throwable t = cause instanceof CompletionException && cause.getCause() != null ? cause.getCause() : cause;
        if (t instanceof FetchException f) {
            return f.failure();
        }
        if (t instanceof ModelLoadException m) {
            return m.failure();
        }
        if (t instanceof ApiException a) {
            return new ModelFailure(a.status(), a.code(), a.getMessage());
        }
        return new ModelFailure(500, "internal_error", "Internal error: " + t);
    }

    private static ApiException toApi(ModelFailure failure) {
        Map<String, String> headers = failure.httpStatus() == 503 || failure.httpStatus() == 429
                ? Map.of("Retry-After", "30") : Map.of();
        return new ApiException(failure.httpStatus(), failure.httpStatus() >= 500 ? ApiException.SERVER_ERROR
                : ApiException.INVALID_REQUEST, failure.code(), null, failure.message(), headers);
    }

    /**
     * Removes the model's files. Refused (409) while it is being fetched or generating.
     */
    public void delete(ModelSpec spec) throws IOException {
        ModelSlot slot = slot(spec);
        synchronized (slot) {
            if (slot.resolution != null && !slot.resolution.isDone() || slot.loading != null) {
                throw new ApiException(409, ApiException.INVALID_REQUEST, "model_busy", null,
                        "Model '" + spec.id() + "' is being downloaded or loaded; delete it afterwards.");
            }
            if (slot.active > 0 || slot.waiting > 0) {
                throw new ApiException(409, ApiException.INVALID_REQUEST, "model_in_use", null,
                        "Model '" + spec.id() + "' is serving requests; delete it when they are done.");
            }
        }
        residency.unload(slot);
        fetcher.delete(spec);
        synchronized (slot) {
            slot.local = null;
            slot.state = ModelState.NOT_DOWNLOADED;
            slot.failure = null;
            slot.downloadedBytes = 0;
            slot.totalBytes = 0;
            slot.resolution = null;
        }
        LOG.log(Level.INFO, "Deleted the files of model {0}", spec.id());
    }

    /** Statuses of the models in memory. */
    public List<ModelStatus> loaded() {
        return slots.values().stream().filter(s -> {
            synchronized (s) {
                return s.resident != null;
            }
        }).map(s -> status(s.spec)).toList();
    }

    /**
     * What the node is doing right now, for health reports.
     *
     * @param running      generations running
     * @param queued       requests waiting for a free sequence
     * @param downloading  models being fetched or waiting to be
     * @param loaded       models in memory
     * @param loadedBytes  memory the loaded models take
     */
    public record Load(int running, int queued, int downloading, int loaded, long loadedBytes) {
    }

    public Load load() {
        int running = 0;
        int queued = 0;
        int downloading = 0;
        int loaded = 0;
        long bytes = 0;
        for (ModelSlot slot : slots.values()) {
            synchronized (slot) {
                running += slot.active;
                queued += slot.waiting;
                if (slot.resolution != null && !slot.resolution.isDone()) {
                    downloading++;
                }
                if (slot.resident != null) {
                    loaded++;
                    bytes += slot.resident.memoryBytes();
                }
            }
        }
        return new Load(running, queued, downloading, loaded, bytes);
    }

    /** How many generations are running or queued, for health reports. */
    public int activeRequests() {
        int total = 0;
        for (ModelSlot slot : slots.values()) {
            synchronized (slot) {
                total += slot.active + slot.waiting;
            }
        }
        return total;
    }

    /** Unloads models idle for longer than the idle timeout; called periodically. */
    public void unloadIdle() {
        residency.unloadIdle(slots.values());
    }

    @Override
    public void close() {
        fetchThreads.shutdownNow();
        for (ModelSlot slot : slots.values()) {
            residency.unload(slot);
        }
        loadThreads.shutdownNow();
    }

    /** A load failed for a reason the status should show. */
    static final class ModelLoadException extends RuntimeException {
        private final ModelFailure failure;

        ModelLoadException(ModelFailure failure) {
            super(failure.message(), null, false, false);
            this.failure = failure;
        }

        ModelFailure failure() {
            return failure;
        }
    }
}
