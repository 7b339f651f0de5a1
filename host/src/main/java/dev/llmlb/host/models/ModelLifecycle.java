package dev.llmlb.host.models;

import dev.llmlb.api.ModelSpec;
import dev.llmlb.api.engine.InferenceEngine;
import dev.llmlb.api.engine.LoadOptions;
import dev.llmlb.api.engine.LoadedModel;
import dev.llmlb.api.engine.LocalModel;
import dev.llmlb.api.engine.ModelInfo;
import dev.llmlb.host.catalog.Catalog;
import dev.llmlb.host.config.NodeConfig;
import dev.llmlb.host.failure.Failure;
import dev.llmlb.host.failure.FailureException;
import dev.llmlb.host.failure.Failures;
import dev.llmlb.host.metrics.NodeMetrics;
import dev.llmlb.host.plugins.PluginRegistry;
import dev.llmlb.host.resolve.FetchException;
import dev.llmlb.host.resolve.FetchListener;
import dev.llmlb.host.resolve.ModelFetcher;
import dev.llmlb.host.system.GpuProbe;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The life of every catalog model, and the one place where requests wait for one.
 *
 * <p>A request takes a {@link Ticket}, numbered in arrival order, and waits in its model's queue: for the files
 * (one fetch per model, however many wait), for room in memory (loads within {@code LLMLB_MAX_LOADED_MODELS} and
 * {@code LLMLB_MEMORY_BUDGET}; idle models are unloaded least recently used first; when every loaded model is busy,
 * the least recently used one is drained: the requests that arrived before the waiting one still run on it, newer
 * ones wait for its next turn), and for a free sequence. Queues are bounded per model ({@code LLMLB_QUEUE_SIZE})
 * and in the whole node ({@code LLMLB_MAX_QUEUED}); a request that leaves is removed at once.
 *
 * <p>All of this state is guarded by this object's lock, and every decision is taken in {@link #schedule()} after
 * whatever changed; the slow work (fetching, checking files, loading, closing) runs on threads of its own and
 * reports back under the lock. A lease is granted under the lock only while the model is loaded, and a model is
 * only unloaded under the lock while no lease is out, so nothing can close a model that is leased or about to be.
 */
public final class ModelLifecycle implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(ModelLifecycle.class.getName());
    /** How often a fetch's progress reaches the status, at most. */
    private static final long PROGRESS_EVERY_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final NodeConfig config;
    private final PluginRegistry plugins;
    private final ModelFetcher fetcher;
    private final GpuProbe gpus;
    private final NodeMetrics metrics;
    private final Map<String, ModelSlot> slots = new LinkedHashMap<>();
    private final Room room;
    private long nextTicket;
    private boolean closed;
    private final ExecutorService fetchThreads = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("fetch-", 0).factory());
    /** Loads and closes run native code for seconds: platform threads, so no virtual-thread carrier is pinned. */
    private final ExecutorService workThreads = Executors.newCachedThreadPool(
            Thread.ofPlatform().name("model-", 0).daemon(true).factory());

    public ModelLifecycle(NodeConfig config, Catalog catalog, PluginRegistry plugins, ModelFetcher fetcher,
                          GpuProbe gpus, NodeMetrics metrics) {
        this.config = config;
        this.plugins = plugins;
        this.fetcher = fetcher;
        this.gpus = gpus;
        this.metrics = metrics;
        this.room = new Room(config.maxLoadedModels(), config.memoryBudgetBytes());
        for (ModelSpec spec : catalog.models()) {
            slots.put(spec.id(), new ModelSlot(spec));
        }
        metrics.observeState(() -> load().loaded(), this::requestsByModel);
    }

    private ModelSlot slot(ModelSpec spec) {
        ModelSlot slot = slots.get(spec.id());
        if (slot == null) {
            throw new IllegalArgumentException("not in the catalog: " + spec.id());
        }
        return slot;
    }

    // ---- what the node can serve ---------------------------------------------------------------------------

    /** Why this node cannot serve the model at all (no plugin for it, no engine runs its files), or empty. */
    public Optional<Failure> unavailable(ModelSpec spec) {
        var source = plugins.source(spec.source());
        if (source.isEmpty()) {
            return Optional.of(new Failure(Failure.Kind.UNAVAILABLE, "source_unavailable", "No source plugin for '"
                    + spec.source() + "' is installed on this node; add its folder to the plugins folder."));
        }
        Optional<LocalModel> local = localModel(slot(spec));
        Optional<String> format = local.map(LocalModel::format).or(() -> source.get().expectedFormat());
        if (format.isPresent() && plugins.engines(format.get()).isEmpty()) {
            return Optional.of(new Failure(Failure.Kind.UNAVAILABLE, "engine_unavailable", "No inference engine "
                    + "for the '" + format.get() + "' format is installed on this node; add an engine plugin that "
                    + "runs it."));
        }
        if (local.isPresent()) {
            List<InferenceEngine> engines = plugins.engines(format.get());
            List<String> reasons = engines.stream().map(engine -> engine.unsupportedReason(local.get()))
                    .flatMap(Optional::stream).toList();
            // A DELETE that began meanwhile removes the manifest first and then the files the engines were reading:
            // their reasons then speak of a model that is no longer there, which the request will fetch again.
            if (reasons.size() == engines.size() && fetcher.findLocal(spec).isPresent()) {
                return Optional.of(new Failure(Failure.Kind.UNAVAILABLE, "model_unsupported", "No installed "
                        + "engine can run model '" + spec.id() + "': " + String.join("; ", reasons)));
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
        synchronized (this) {
            Optional<Resident> resident = slot.resident();
            if (resident.isPresent()) {
                return Optional.of(resident.get().model().info().capabilities());
            }
        }
        return localModel(slot).flatMap(model -> plugins.engines(model.format()).stream()
                .filter(engine -> engine.unsupportedReason(model).isEmpty()).findFirst()
                .map(engine -> engine.capabilities(model)));
    }

    /** Whether the model is complete on disk. */
    public boolean isLocal(ModelSpec spec) {
        return localModel(slot(spec)).isPresent();
    }

    /** The model's files when complete on disk, looking again when they were missing (another node may share them). */
    private Optional<LocalModel> localModel(ModelSlot slot) {
        synchronized (this) {
            if (slot.local().isPresent() || slot.isFetching()) {
                return slot.local();
            }
        }
        Optional<LocalModel> found = fetcher.findLocal(slot.spec);
        synchronized (this) {
            slot.filesChecked(found);
            return slot.local();
        }
    }

    // ---- requests ------------------------------------------------------------------------------------------

    /**
     * Waits until the model is ready and a sequence is free, and leases it: fetching the model if needed (at most
     * {@code LLMLB_DOWNLOAD_TIMEOUT}, then 503 with {@code Retry-After} while the download goes on), loading it once
     * room is free, and queueing for a sequence. 429 when the queues are full; the request's cancellation removes it
     * at once.
     *
     * @throws FailureException why the request cannot be served
     */
    public Lease acquire(ModelSpec spec, Cancellation cancellation) {
        Optional<Failure> unavailable = unavailable(spec);
        if (unavailable.isPresent()) {
            throw unavailable.get().exception();
        }
        ModelSlot slot = slot(spec);
        Ticket ticket;
        synchronized (this) {
            if (closed) {
                throw Failure.shuttingDown().exception();
            }
            ticket = new Ticket(nextTicket++, slot);
            slot.enqueue(ticket);
            schedule();
            if (!ticket.lease().isDone()) {
                Optional<Failure> full = queueFull(slot);
                if (full.isPresent()) {
                    slot.remove(ticket);
                    schedule();
                    throw full.get().exception();
                }
            }
        }
        Runnable unregister = cancellation.onCancel(() -> giveUp(ticket, new Failure(Failure.Kind.UNAVAILABLE,
                "request_cancelled", "The request was cancelled: " + cancellation.reason())));
        try {
            Lease lease = await(ticket);
            if (cancellation.isCancelled()) {
                lease.close();
                throw new Failure(Failure.Kind.UNAVAILABLE, "request_cancelled", "The request was cancelled: "
                        + cancellation.reason()).exception();
            }
            return lease;
        } finally {
            unregister.run();
        }
    }

    /** Why a request that could not start at once may not wait either, or empty. Call holding the lock. */
    private Optional<Failure> queueFull(ModelSlot slot) {
        if (slot.queued() > config.queueSize()) {
            return Optional.of(new Failure(Failure.Kind.OVERLOADED, "queue_full", "Model '" + slot.spec.id()
                    + "' has " + (slot.queued() - 1) + " requests waiting already (LLMLB_QUEUE_SIZE); retry shortly.")
                    .retryAfter(1));
        }
        int waiting = slots.values().stream().mapToInt(ModelSlot::queued).sum();
        if (waiting > config.maxQueued()) {
            return Optional.of(new Failure(Failure.Kind.OVERLOADED, "node_queue_full", "This node has "
                    + (waiting - 1) + " requests waiting already (LLMLB_MAX_QUEUED); retry shortly or use another "
                    + "node.").retryAfter(1));
        }
        return Optional.empty();
    }

    private Lease await(Ticket ticket) {
        ModelSlot slot = ticket.slot();
        long timeout = config.downloadTimeout().toNanos();
        long deadline = System.nanoTime() + timeout;
        boolean extended = false;
        while (true) {
            try {
                return ticket.lease().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                synchronized (this) {
                    if (ticket.lease().isDone()) {
                        continue;
                    }
                    if (!extended && slot.fetchStalledFor(timeout / 2, System.nanoTime())) {
                        // No progress for half the timeout or more: the transfer is about to fail as a network
                        // timeout, and that, not "still downloading", is the answer this client should get.
                        extended = true;
                        deadline = System.nanoTime() + Math.min(TimeUnit.SECONDS.toNanos(5), timeout);
                        continue;
                    }
                    slot.remove(ticket);
                    Failure why = waitedTooLong(slot);
                    schedule();
                    throw why.exception();
                }
            } catch (ExecutionException e) {
                throw Failures.of(e.getCause()).exception();
            } catch (InterruptedException e) {
                giveUp(ticket, Failure.shuttingDown());
                Thread.currentThread().interrupt();
                throw Failure.shuttingDown().exception();
            }
        }
    }

    /** What a request that waited {@code LLMLB_DOWNLOAD_TIMEOUT} in vain is told. Call holding the lock. */
    private Failure waitedTooLong(ModelSlot slot) {
        String id = slot.spec.id();
        long seconds = config.downloadTimeout().toSeconds();
        if (slot.isFetching()) {
            long total = slot.totalBytes();
            long percent = total > 0 ? Math.round(100.0 * slot.downloadedBytes() / total) : 0;
            return Failure.unavailable("model_downloading", "Model '" + id + "' is still downloading ("
                    + percent + "%); retry later or watch /v0/models/" + id + "/status.", 30);
        }
        if (slot.isLoaded()) {
            return Failure.unavailable("model_busy", "Model '" + id + "' was busy with other requests for " + seconds
                    + " s (LLMLB_DOWNLOAD_TIMEOUT); retry later or use another node.", 5);
        }
        return Failure.unavailable("insufficient_memory", "Model '" + id + "' could not be loaded within "
                + seconds + " s: the models in memory stayed busy and the node is at LLMLB_MAX_LOADED_MODELS or "
                + "LLMLB_MEMORY_BUDGET; retry later or use another node.", 10);
    }

    /** Takes a waiting request out of its queue and fails it; nothing happens when it holds a lease already. */
    private void giveUp(Ticket ticket, Failure why) {
        synchronized (this) {
            if (ticket.slot().remove(ticket)) {
                ticket.lease().completeExceptionally(why.exception());
                schedule();
            }
        }
    }

    /** A lease ended. */
    void release(ModelSlot slot) {
        synchronized (this) {
            slot.release();
            schedule();
        }
    }

    /** Starts fetching the model unless it is on disk or already being fetched. */
    public void pull(ModelSpec spec) {
        ModelSlot slot = slot(spec);
        localModel(slot);
        synchronized (this) {
            if (!closed && slot.needsFetch()) {
                startFetch(slot);
            }
        }
    }

    // ---- the scheduler ---------------------------------------------------------------------------------------

    /**
     * Takes every decision that the current state allows: starts fetches and loads for waiting requests, grants
     * leases, and makes room. Called holding the lock after anything changed.
     */
    private void schedule() {
        if (closed) {
            return;
        }
        for (ModelSlot slot : slots.values()) {
            if (slot.queued() > 0 && slot.filesUnknown()) {
                // Files never looked at (a delete failed half-way): looking is slow, do it off the lock.
                slot.filesChecked(Optional.empty());
            }
            if (slot.queued() > 0 && slot.needsFetch()) {
                startFetch(slot);
            } else if (slot.needsLoad()) {
                slot.beginPrepare();
                workThreads.execute(() -> prepare(slot));
            } else if (slot.queued() == 0 && slot.planAwaitingRoom().isPresent()) {
                slot.abandonPrepare();
            }
            grant(slot);
        }
        makeRoom();
    }

    private void grant(ModelSlot slot) {
        for (Ticket ticket : slot.grant()) {
            Lease lease = new Lease(this, slot, slot.resident().orElseThrow());
            if (!ticket.lease().complete(lease)) {
                slot.release();
            }
        }
    }

    /**
     * Loads the model whose oldest request arrived first among those waiting for room, unloading idle models and
     * draining busy ones (least recently used first) until it fits. Later loads wait their turn.
     */
    private void makeRoom() {
        while (true) {
            Optional<ModelSlot> head = slots.values().stream()
                    .filter(s -> s.planAwaitingRoom().isPresent() && s.queued() > 0)
                    .min(Comparator.comparingLong(ModelSlot::oldestWaiting));
            if (head.isEmpty()) {
                stopDrainingExcept(List.of());
                return;
            }
            ModelSlot slot = head.get();
            LoadPlan plan = slot.planAwaitingRoom().orElseThrow();
            if (room.fits(plan.estimateBytes())) {
                room.reserve(plan.estimateBytes());
                slot.beginLoad();
                workThreads.execute(() -> load(slot, plan));
                continue;
            }
            List<Room.Candidate> candidates = new ArrayList<>();
            slots.values().stream().filter(s -> s != slot && s.isLoaded())
                    .sorted(Comparator.comparing((ModelSlot s) -> !s.isIdle())
                            .thenComparingLong(ModelSlot::lastUsedNanos))
                    .forEach(s -> candidates.add(new Room.Candidate(s, s.resident().orElseThrow().memoryBytes())));
            Optional<List<Room.Candidate>> leaving = room.toMakeRoomFor(plan.estimateBytes(), candidates);
            List<ModelSlot> draining = new ArrayList<>();
            for (Room.Candidate candidate : leaving.orElse(candidates)) {
                ModelSlot victim = candidate.slot();
                if (victim.isIdle()) {
                    LOG.log(Level.INFO, "Unloading {0} to make room for {1}", victim.spec.id(), slot.spec.id());
                    unload(victim);
                } else {
                    victim.drain();
                    draining.add(victim);
                }
            }
            stopDrainingExcept(draining);
            return;
        }
    }

    private void stopDrainingExcept(List<ModelSlot> keep) {
        for (ModelSlot slot : slots.values()) {
            if (slot.isDraining() && !keep.contains(slot)) {
                slot.stopDraining();
                grant(slot);
            }
        }
    }

    // ---- the slow work, off the lock -------------------------------------------------------------------------

    private void startFetch(ModelSlot slot) {
        slot.beginFetch();
        fetchThreads.execute(() -> fetch(slot));
    }

    private void fetch(ModelSlot slot) {
        ModelSpec spec = slot.spec;
        LOG.log(Level.INFO, "Model resolution started: {0}", spec.id());
        Optional<LocalModel> found = fetcher.findLocal(spec);
        if (found.isPresent()) {
            LOG.log(Level.INFO, "Model found locally: {0}", spec.id());
            synchronized (this) {
                slot.fetched(found.get(), false);
                schedule();
            }
            return;
        }
        LOG.log(Level.INFO, "Model not found locally, downloading from HuggingFace...");
        metrics.downloadStarted(spec.id());
        long started = System.nanoTime();
        try {
            LocalModel local = fetcher.fetch(spec, new ProgressToStatus(slot));
            metrics.downloadCompleted(spec.id(), local.totalBytes(), System.nanoTime() - started);
            LOG.log(Level.INFO, "Download completed: {0}", spec.id());
            synchronized (this) {
                slot.fetched(local, true);
                schedule();
            }
        } catch (FetchException | RuntimeException e) {
            Failure failure = e instanceof FetchException f ? f.failure() : new Failure(Failure.Kind.DOWNLOAD_FAILED,
                    "download_failed", "Failed to download model: the download stopped unexpectedly; the node's "
                    + "log has the details.");
            if (e instanceof RuntimeException) {
                LOG.log(Level.ERROR, "Model " + spec.id() + ": unexpected failure while fetching", e);
            } else {
                LOG.log(Level.ERROR, "Model {0}: {1}", spec.id(), failure.message());
            }
            metrics.downloadFailed(spec.id(), failure.code());
            synchronized (this) {
                fail(slot.fetchFailed(failure), failure);
                schedule();
            }
        }
    }

    /** Passes a fetch's progress to the status, at most every 100 ms unless the state changes. */
    private final class ProgressToStatus implements FetchListener {
        private final ModelSlot slot;
        private long counted;
        private long lastNanos;
        private ModelState lastState;

        ProgressToStatus(ModelSlot slot) {
            this.slot = slot;
        }

        @Override
        public void waiting(long downloaded, long total) {
            report(ModelState.WAITING, downloaded, total);
        }

        @Override
        public void downloading(long downloaded, long total) {
            if (downloaded > counted) {
                metrics.downloadedBytes(downloaded - counted);
                counted = downloaded;
            }
            report(ModelState.DOWNLOADING, downloaded, total);
        }

        private void report(ModelState state, long downloaded, long total) {
            long now = System.nanoTime();
            if (state == lastState && now - lastNanos < PROGRESS_EVERY_NANOS && downloaded < total) {
                return;
            }
            lastState = state;
            lastNanos = now;
            synchronized (ModelLifecycle.this) {
                slot.fetchProgress(state, downloaded, total);
            }
        }
    }

    /** Checks the files again, picks the engine and estimates the memory the model will take. */
    private void prepare(ModelSlot slot) {
        try {
            Optional<LocalModel> local = fetcher.findLocal(slot.spec);
            if (local.isEmpty()) {
                LOG.log(Level.WARNING, "The files of model {0} are gone or changed (another node may have deleted "
                        + "them); fetching them again", slot.spec.id());
                synchronized (this) {
                    slot.abandonPrepare();
                    slot.filesGone();
                    schedule();
                }
                return;
            }
            InferenceEngine engine = plugins.engines(local.get().format()).stream()
                    .filter(e -> e.unsupportedReason(local.get()).isEmpty()).findFirst().orElse(null);
            if (engine == null) {
                Failure failure = unavailable(slot.spec).orElse(new Failure(Failure.Kind.UNAVAILABLE,
                        "engine_unavailable", "No installed engine runs format " + local.get().format() + "."));
                LOG.log(Level.WARNING, "Model {0} is on disk but unavailable: {1}", slot.spec.id(), failure.message());
                failLoad(slot, failure);
                return;
            }
            LoadOptions options = loadOptions(wantsGpu());
            long estimate = engine.estimateMemoryBytes(local.get(), options);
            if (!room.couldEverFit(estimate)) {
                failLoad(slot, new Failure(Failure.Kind.UNAVAILABLE, "insufficient_memory", "Model '" + slot.spec.id()
                        + "' needs about " + estimate / 1_000_000 + " MB, more than the memory budget of "
                        + room.budgetBytes() / 1_000_000 + " MB (LLMLB_MEMORY_BUDGET)."));
                return;
            }
            synchronized (this) {
                slot.prepared(new LoadPlan(local.get(), engine, plugins.engineName(engine), options, estimate));
                schedule();
            }
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "Model " + slot.spec.id() + " could not be prepared for loading", e);
            failLoad(slot, Failures.of(e));
        }
    }

    private void failLoad(ModelSlot slot, Failure failure) {
        synchronized (this) {
            fail(slot.loadFailed(failure), failure);
            schedule();
        }
    }

    private void load(ModelSlot slot, LoadPlan plan) {
        String id = slot.spec.id();
        long started = System.nanoTime();
        ModelFetcher.InUse inUse = null;
        LoadedModel model = null;
        boolean onGpu = false;
        try {
            onGpu = plan.options().useAccelerator() && placeOnGpu(slot);
            LoadOptions options = onGpu ? plan.options() : loadOptions(false);
            inUse = fetcher.markInUse(slot.spec);
            if (fetcher.findLocal(slot.spec).isEmpty()) {
                // Deleted by another process between the check and the mark: fetch them again.
                inUse.close();
                LOG.log(Level.WARNING, "The files of model {0} were deleted by another process; fetching them "
                        + "again", id);
                synchronized (this) {
                    room.free(plan.estimateBytes());
                    slot.filesGoneBeforeLoad();
                    schedule();
                }
                return;
            }
            model = plan.engine().load(plan.local(), options);
        } catch (RuntimeException | Error e) {
            Failure failure = Failures.isExpected(e) ? Failures.of(e) : new Failure(Failure.Kind.ENGINE_ERROR,
                    "model_load_failed", "Failed to load model '" + id + "'; the node's log has the details.");
            if (Failures.isExpected(e)) {
                LOG.log(Level.ERROR, "Model {0} failed to load: {1}", id, failure.message());
            } else {
                LOG.log(Level.ERROR, "Model " + id + " failed to load", e);
            }
            if (inUse != null) {
                inUse.close();
            }
            synchronized (this) {
                room.free(plan.estimateBytes());
                fail(slot.loadFailed(failure), failure);
                schedule();
            }
            return;
        }
        long memory = Math.max(model.info().memoryBytes(), 0);
        Resident resident = new Resident(model, plan.engineName(), onGpu, memory, model.info().parallelSequences(),
                inUse);
        LOG.log(Level.INFO, "Model loaded successfully");
        LOG.log(Level.INFO, "Loaded {0} with engine {1} on {2} in {3} ms ({4} MB, context {5} tokens, {6} "
                        + "sequences at once)", id, plan.engineName(), model.info().device(),
                (System.nanoTime() - started) / 1_000_000, memory / 1_000_000, model.info().contextLength(),
                model.info().parallelSequences());
        metrics.modelLoaded(id, plan.engineName());
        synchronized (this) {
            room.settle(plan.estimateBytes(), memory);
            slot.loaded(resident);
            if (closed) {
                unload(slot);
            }
            schedule();
        }
    }

    /** Takes an idle model out of service and closes it off the lock. Call holding the lock. */
    private void unload(ModelSlot slot) {
        Resident resident = slot.beginUnload();
        workThreads.execute(() -> close(slot, resident));
    }

    private void close(ModelSlot slot, Resident resident) {
        try {
            resident.model().close();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "Model {0} failed to close: {1}", slot.spec.id(), e.getMessage());
        } finally {
            resident.inUse().close();
            synchronized (this) {
                slot.unloaded();
                room.free(resident.memoryBytes());
                schedule();
                notifyAll();
            }
        }
        LOG.log(Level.INFO, "Unloaded model {0}", slot.spec.id());
    }

    private void fail(List<Ticket> tickets, Failure failure) {
        for (Ticket ticket : tickets) {
            ticket.lease().completeExceptionally(failure.exception());
        }
    }

    private boolean wantsGpu() {
        return config.gpu() != NodeConfig.GpuMode.OFF && !gpus.gpus().isEmpty();
    }

    private LoadOptions loadOptions(boolean useGpu) {
        return new LoadOptions(config.threads(), config.contextLength(), config.parallel(),
                useGpu ? LoadOptions.Placement.ACCELERATOR : LoadOptions.Placement.CPU,
                Map.of("gpu_layers", Integer.toString(config.gpuLayers())));
    }

    /**
     * Whether the model goes on a GPU: yes when its {@code required_vram_mb} is free, after unloading idle models
     * on the GPU if needed; otherwise CPU when {@code LLMLB_CPU_FALLBACK} allows it.
     */
    private boolean placeOnGpu(ModelSlot slot) {
        long need = slot.spec.requiredVramMb();
        if (need <= 0 || gpus.freeMb() >= need) {
            return true;
        }
        while (gpus.freeMb() < need) {
            synchronized (this) {
                Optional<ModelSlot> victim = slots.values().stream()
                        .filter(s -> s != slot && s.isIdle() && s.resident().orElseThrow().onGpu())
                        .min(Comparator.comparingLong(ModelSlot::lastUsedNanos));
                if (victim.isEmpty()) {
                    break;
                }
                LOG.log(Level.INFO, "Unloading {0} to free VRAM for {1}", victim.get().spec.id(), slot.spec.id());
                unload(victim.get());
                while (victim.get().isUnloading()) {
                    try {
                        wait(1000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw Failure.shuttingDown().exception();
                    }
                }
            }
        }
        if (gpus.freeMb() >= need) {
            return true;
        }
        if (config.cpuFallback()) {
            LOG.log(Level.WARNING, "{0} needs {1} MB of VRAM but {2} MB are free; running it on CPU",
                    slot.spec.id(), need, gpus.freeMb());
            return false;
        }
        throw new Failure(Failure.Kind.UNAVAILABLE, "insufficient_vram", "Model '" + slot.spec.id() + "' needs "
                + need + " MB of GPU memory but only " + gpus.freeMb() + " MB are free, and LLMLB_CPU_FALLBACK is "
                + "off.").retryAfter(30).exception();
    }

    // ---- operator actions -----------------------------------------------------------------------------------

    /**
     * Removes the model's files: 409 while this node downloads, loads or serves it, or another process downloads or
     * serves it. An idle loaded model is unloaded first.
     *
     * @throws FailureException why the files cannot be deleted now
     */
    public void delete(ModelSpec spec) {
        ModelSlot slot = slot(spec);
        Resident idle = null;
        synchronized (this) {
            refuseDeleteIfBusy(slot);
            if (slot.isLoaded()) {
                idle = slot.beginUnload();
            }
        }
        if (idle != null) {
            close(slot, idle);
        }
        synchronized (this) {
            while (slot.isUnloading()) {
                try {
                    wait(1000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw Failure.shuttingDown().exception();
                }
            }
            refuseDeleteIfBusy(slot);
            slot.beginDelete();
        }
        boolean deleted = false;
        try {
            fetcher.delete(spec);
            deleted = true;
            LOG.log(Level.INFO, "Deleted the files of model {0}", spec.id());
        } catch (java.io.IOException e) {
            throw new Failure(Failure.Kind.INTERNAL, "delete_failed", "Could not delete the files of model '"
                    + spec.id() + "': " + e.getMessage()).exception();
        } finally {
            synchronized (this) {
                slot.deleteEnded(deleted);
                schedule();
            }
        }
    }

    private void refuseDeleteIfBusy(ModelSlot slot) {
        Optional<String> why = slot.whyNotDeletable();
        if (why.isPresent()) {
            throw new Failure(Failure.Kind.CONFLICT, "model_busy", "Model '" + slot.spec.id() + "' " + why.get()
                    + "; delete it afterwards.").exception();
        }
    }

    /** Unloads models idle for longer than {@code LLMLB_IDLE_TIMEOUT}; called periodically. */
    public void unloadIdle() {
        if (config.idleTimeout().isZero()) {
            return;
        }
        long cutoff = System.nanoTime() - config.idleTimeout().toNanos();
        synchronized (this) {
            for (ModelSlot slot : slots.values()) {
                if (slot.isIdle() && slot.queued() == 0 && slot.lastUsedNanos() - cutoff < 0) {
                    LOG.log(Level.INFO, "Model {0} was idle for {1}; unloading it", slot.spec.id(),
                            config.idleTimeout());
                    unload(slot);
                }
            }
        }
    }

    // ---- reports ----------------------------------------------------------------------------------------------

    /** The model's status for {@code GET /v0/models/{id}/status}. */
    public ModelStatus status(ModelSpec spec) {
        ModelSlot slot = slot(spec);
        localModel(slot);
        synchronized (this) {
            ModelState state = slot.state();
            long total = slot.totalBytes();
            long done = slot.downloadedBytes();
            Optional<LocalModel> local = slot.local();
            if (local.isPresent()) {
                total = Math.max(total, local.get().totalBytes());
                done = total;
            }
            double progress = total > 0 ? Math.min(1.0, (double) done / total) : state.isOnDisk() ? 1.0 : 0.0;
            Resident resident = slot.resident().orElse(null);
            Failure failure = state == ModelState.ERROR ? slot.failure().orElse(null) : null;
            return new ModelStatus(spec.id(), state.wireName(), progress, done, total,
                    local.map(l -> l.directory().toString()).orElse(fetcher.folder(spec).toString()),
                    failure != null ? failure.message() : null, failure != null ? failure.code() : null,
                    resident != null ? resident.engine() : null,
                    resident != null ? (resident.onGpu() ? "gpu" : "cpu") : null,
                    spec.requiredVramMb() > 0 ? spec.requiredVramMb() : null,
                    resident != null ? resident.memoryBytes() : null,
                    resident != null ? slot.active() : null,
                    resident != null ? resident.parallelSequences() : null,
                    slot.queued() > 0 ? slot.queued() : null);
        }
    }

    /** Statuses of the models in memory. */
    public List<ModelStatus> loaded() {
        List<ModelSlot> loaded;
        synchronized (this) {
            loaded = slots.values().stream().filter(ModelSlot::isLoaded).toList();
        }
        return loaded.stream().map(s -> status(s.spec)).toList();
    }

    /**
     * What the node is doing right now, for health reports.
     *
     * @param running     generations running (a lease is out only while its engine call runs)
     * @param queued      requests waiting for a download, a load or a free sequence
     * @param downloading models being fetched
     * @param loaded      models in memory
     * @param loadedBytes memory the models in memory take
     * @param sequences   sequences the models in memory can run at once, all together
     */
    public record Load(int running, int queued, int downloading, int loaded, long loadedBytes, int sequences) {
    }

    public synchronized Load load() {
        int running = 0;
        int queued = 0;
        int downloading = 0;
        int loaded = 0;
        int sequences = 0;
        long bytes = 0;
        for (ModelSlot slot : slots.values()) {
            running += slot.active();
            queued += slot.queued();
            if (slot.isFetching()) {
                downloading++;
            }
            Optional<Resident> resident = slot.resident();
            if (resident.isPresent()) {
                loaded++;
                bytes += resident.get().memoryBytes();
                sequences += resident.get().parallelSequences();
            }
        }
        return new Load(running, queued, downloading, loaded, bytes, sequences);
    }

    /** Running and queued requests and sequences of every model that has any, for metrics. */
    private synchronized Map<String, int[]> requestsByModel() {
        Map<String, int[]> counts = new LinkedHashMap<>();
        for (ModelSlot slot : slots.values()) {
            int sequences = slot.resident().map(Resident::parallelSequences).orElse(0);
            if (slot.active() + slot.queued() + sequences > 0) {
                counts.put(slot.spec.id(), new int[] {slot.active(), slot.queued(), sequences});
            }
        }
        return counts;
    }

    /** Whether anything runs or waits. */
    public synchronized boolean isIdle() {
        return slots.values().stream().allMatch(s -> s.active() == 0 && s.queued() == 0);
    }

    /**
     * Stops: requests still waiting are told the node is shutting down, idle models are unloaded. A model still
     * generating is left to the process's end: closing it under a running generation could crash native code.
     */
    @Override
    public void close() {
        List<Resident> idle = new ArrayList<>();
        synchronized (this) {
            closed = true;
            for (ModelSlot slot : slots.values()) {
                fail(slot.drainQueue(), Failure.shuttingDown());
                if (slot.isIdle()) {
                    idle.add(slot.beginUnload());
                    slot.unloaded();
                }
            }
        }
        for (Resident resident : idle) {
            try {
                resident.model().close();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "A model failed to close: {0}", e.getMessage());
            }
            resident.inUse().close();
        }
        fetchThreads.shutdownNow();
        workThreads.shutdownNow();
    }
}
