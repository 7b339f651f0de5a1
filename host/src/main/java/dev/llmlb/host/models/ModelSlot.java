package dev.llmlb.host.models;

import dev.llmlb.api.ModelSpec;
import dev.llmlb.api.engine.LocalModel;
import dev.llmlb.host.failure.Failure;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;

/**
 * The life of one catalog model: its files (missing, being fetched, on disk), its place in memory (loading,
 * loaded, being unloaded), the requests waiting for it and the leases running on it. Every transition is a method
 * that checks it is legal; an illegal one is a bug and throws {@link IllegalStateException}.
 *
 * <p>Not thread-safe on its own: {@link ModelLifecycle} calls every method while holding its lock, which also
 * guards the choices that span models (which to unload to make room). That a lease can only be taken while the
 * model is loaded and not being unloaded, and that a model can only be unloaded while no lease is out, is checked
 * here, in one place.
 */
final class ModelSlot {

    /** What the slot is doing with its files. */
    private enum Files { UNKNOWN, MISSING, FETCHING, ON_DISK, DELETING }

    /** Where the model is with memory. */
    private enum Memory { OUT, PREPARING, LOADING, IN, UNLOADING }

    final ModelSpec spec;
    private Files files = Files.UNKNOWN;
    private Memory memory = Memory.OUT;
    private LocalModel local;
    /** Whether the files were fetched by this process since it started (status {@code completed}, not {@code local}). */
    private boolean fetchedHere;
    private ModelState fetchState = ModelState.WAITING;
    private long downloadedBytes;
    private long totalBytes;
    private long lastProgressNanos;
    private Failure failure;
    private LoadPlan plan;
    private Resident resident;
    private final Deque<Ticket> queue = new ArrayDeque<>();
    private int active;
    private long lastUsedNanos;
    /** While draining, only tickets up to this arrival number may still lease; others wait for the next load. */
    private long drainCutoff = Long.MAX_VALUE;

    ModelSlot(ModelSpec spec) {
        this.spec = spec;
    }

    // ---- what the status endpoint shows ------------------------------------------------------------------------

    /** The state the status endpoint reports, derived from what the slot is doing. */
    ModelState state() {
        return switch (memory) {
            case LOADING, PREPARING -> ModelState.LOADING;
            case IN -> ModelState.LOADED;
            case UNLOADING, OUT -> switch (files) {
                case FETCHING -> fetchState;
                case ON_DISK -> fetchedHere ? ModelState.COMPLETED : ModelState.LOCAL;
                case UNKNOWN, MISSING, DELETING -> failure != null ? ModelState.ERROR : ModelState.NOT_DOWNLOADED;
            };
        };
    }

    Optional<LocalModel> local() {
        return Optional.ofNullable(local);
    }

    Optional<Failure> failure() {
        return Optional.ofNullable(failure);
    }

    Optional<Resident> resident() {
        return Optional.ofNullable(resident);
    }

    long downloadedBytes() {
        return downloadedBytes;
    }

    long totalBytes() {
        return totalBytes;
    }

    int active() {
        return active;
    }

    int queued() {
        return queue.size();
    }

    long lastUsedNanos() {
        return lastUsedNanos;
    }

    boolean isFetching() {
        return files == Files.FETCHING;
    }

    boolean isLoadingOrPreparing() {
        return memory == Memory.LOADING || memory == Memory.PREPARING;
    }

    boolean isLoading() {
        return memory == Memory.LOADING;
    }

    boolean isUnloading() {
        return memory == Memory.UNLOADING;
    }

    boolean isLoaded() {
        return memory == Memory.IN;
    }

    /** Whether the fetch has made no progress for {@code nanos}. */
    boolean fetchStalledFor(long nanos, long now) {
        return files == Files.FETCHING && fetchState == ModelState.DOWNLOADING && now - lastProgressNanos >= nanos;
    }

    // ---- files ---------------------------------------------------------------------------------------------------

    /** Whether the files' presence has never been checked since start or since they were found missing. */
    boolean filesUnknown() {
        return files == Files.UNKNOWN;
    }

    /** The files were looked for on disk (outside the lock); records what was found unless something moved on. */
    void filesChecked(Optional<LocalModel> found) {
        if (files != Files.UNKNOWN && files != Files.MISSING) {
            return;
        }
        if (found.isPresent()) {
            local = found.get();
            files = Files.ON_DISK;
        } else {
            files = Files.MISSING;
        }
    }

    /** Whether a fetch should start for the requests waiting. */
    boolean needsFetch() {
        return files == Files.MISSING;
    }

    void beginFetch() {
        require(files == Files.MISSING || files == Files.UNKNOWN, "begin a fetch");
        files = Files.FETCHING;
        failure = null;
        fetchState = ModelState.WAITING;
        downloadedBytes = 0;
        totalBytes = 0;
        lastProgressNanos = System.nanoTime();
    }

    void fetchProgress(ModelState state, long downloaded, long total) {
        if (files != Files.FETCHING) {
            return;
        }
        if (downloaded != downloadedBytes || state != fetchState) {
            lastProgressNanos = System.nanoTime();
        }
        fetchState = state;
        downloadedBytes = downloaded;
        totalBytes = total;
    }

    void fetched(LocalModel model, boolean downloaded) {
        require(files == Files.FETCHING, "finish a fetch");
        local = model;
        files = Files.ON_DISK;
        fetchedHere = downloaded;
        downloadedBytes = model.totalBytes();
        totalBytes = model.totalBytes();
    }

    /**
     * The fetch failed: the waiting requests get the failure. A lasting failure is kept for the status endpoint; a
     * temporary one (the node shutting down, the hub asking to retry) leaves the model as it was.
     */
    List<Ticket> fetchFailed(Failure why) {
        require(files == Files.FETCHING, "fail a fetch");
        files = Files.MISSING;
        failure = why.isTemporary() ? null : why;
        return drainQueue();
    }

    /** Another process removed the files, or they no longer match: they must be fetched again. */
    void filesGone() {
        if (files == Files.ON_DISK) {
            files = Files.MISSING;
            local = null;
            fetchedHere = false;
        }
    }

    /** Whether the files may be deleted now; the reason why not otherwise. */
    Optional<String> whyNotDeletable() {
        if (files == Files.FETCHING) {
            return Optional.of("is being downloaded");
        }
        if (files == Files.DELETING) {
            return Optional.of("is being deleted");
        }
        if (memory == Memory.LOADING || memory == Memory.PREPARING) {
            return Optional.of("is being loaded");
        }
        if (active > 0 || !queue.isEmpty()) {
            return Optional.of("is serving requests");
        }
        return Optional.empty();
    }

    void beginDelete() {
        require(whyNotDeletable().isEmpty() && (memory == Memory.OUT), "begin a delete");
        files = Files.DELETING;
    }

    /** The delete ended; {@code deleted} says whether the files are gone. */
    void deleteEnded(boolean deleted) {
        require(files == Files.DELETING, "end a delete");
        if (deleted) {
            files = Files.MISSING;
            local = null;
            fetchedHere = false;
            failure = null;
            downloadedBytes = 0;
            totalBytes = 0;
        } else {
            files = Files.UNKNOWN;
        }
    }

    // ---- memory ----------------------------------------------------------------------------------------------------

    /** Whether the model should be prepared for loading: requests wait, the files are there, nothing is under way. */
    boolean needsLoad() {
        return !queue.isEmpty() && files == Files.ON_DISK && memory == Memory.OUT;
    }

    /** Work out (outside the lock) which engine loads the model and what it will take. */
    void beginPrepare() {
        require(memory == Memory.OUT && files == Files.ON_DISK, "prepare a load");
        memory = Memory.PREPARING;
        failure = null;
    }

    void prepared(LoadPlan loadPlan) {
        require(memory == Memory.PREPARING, "finish preparing");
        plan = loadPlan;
    }

    /** The plan of a model that waits for room to load, or empty. */
    Optional<LoadPlan> planAwaitingRoom() {
        return memory == Memory.PREPARING ? Optional.ofNullable(plan) : Optional.empty();
    }

    /** The waiting requests gave up before the model could be loaded. */
    void abandonPrepare() {
        require(memory == Memory.PREPARING, "abandon a load");
        memory = Memory.OUT;
        plan = null;
    }

    void beginLoad() {
        require(memory == Memory.PREPARING && plan != null, "begin a load");
        memory = Memory.LOADING;
    }

    void loaded(Resident model) {
        require(memory == Memory.LOADING, "finish a load");
        memory = Memory.IN;
        resident = model;
        // Once served from memory, the files count as simply on disk: "completed" is only the download's news.
        fetchedHere = false;
        plan = null;
        lastUsedNanos = System.nanoTime();
        drainCutoff = Long.MAX_VALUE;
    }

    /** The files went missing between the plan and the load: back to fetching them, the requests still waiting. */
    void filesGoneBeforeLoad() {
        require(memory == Memory.LOADING, "give up a load");
        memory = Memory.OUT;
        plan = null;
        filesGone();
    }

    /** Preparing or loading failed; the waiting requests get the failure. */
    List<Ticket> loadFailed(Failure why) {
        require(memory == Memory.LOADING || memory == Memory.PREPARING, "fail a load");
        memory = Memory.OUT;
        plan = null;
        failure = why.isTemporary() ? null : why;
        return drainQueue();
    }

    /** Whether the model is loaded and nothing runs or may start on it: it can be unloaded. */
    boolean isIdle() {
        return memory == Memory.IN && active == 0 && !hasGrantableTicket();
    }

    /** Takes the model out of service; the caller closes the returned model outside the lock. */
    Resident beginUnload() {
        require(isIdle(), "unload a model that is not idle");
        memory = Memory.UNLOADING;
        Resident out = resident;
        resident = null;
        drainCutoff = Long.MAX_VALUE;
        return out;
    }

    void unloaded() {
        require(memory == Memory.UNLOADING, "finish an unload");
        memory = Memory.OUT;
    }

    /** Lets the leases that may start now start, then lets no newer request lease until the model is unloaded. */
    void drain() {
        if (drainCutoff == Long.MAX_VALUE) {
            drainCutoff = queue.isEmpty() ? 0 : queue.peekLast().seq();
        }
    }

    boolean isDraining() {
        return drainCutoff != Long.MAX_VALUE;
    }

    void stopDraining() {
        drainCutoff = Long.MAX_VALUE;
    }

    // ---- requests --------------------------------------------------------------------------------------------

    void enqueue(Ticket ticket) {
        queue.addLast(ticket);
    }

    /** Removes a ticket that gave up; returns whether it was still waiting. */
    boolean remove(Ticket ticket) {
        return queue.remove(ticket);
    }

    /** The arrival number of the oldest waiting request, or {@link Long#MAX_VALUE}. */
    long oldestWaiting() {
        return queue.isEmpty() ? Long.MAX_VALUE : queue.peekFirst().seq();
    }

    private boolean hasGrantableTicket() {
        return !queue.isEmpty() && queue.peekFirst().seq() <= drainCutoff;
    }

    /**
     * Grants leases to waiting requests in arrival order while the model is loaded, a sequence is free and the
     * model is not draining past them. The lease is taken here, atomically with the check that the model is loaded.
     */
    List<Ticket> grant() {
        List<Ticket> granted = new ArrayList<>();
        while (memory == Memory.IN && active < resident.parallelSequences() && hasGrantableTicket()) {
            Ticket ticket = queue.pollFirst();
            active++;
            lastUsedNanos = System.nanoTime();
            granted.add(ticket);
        }
        return granted;
    }

    /** A lease ended (its generation returned). */
    void release() {
        require(active > 0, "release a lease that is not out");
        active--;
        lastUsedNanos = System.nanoTime();
    }

    /** Removes every waiting request, for the caller to fail. */
    List<Ticket> drainQueue() {
        List<Ticket> all = new ArrayList<>(queue);
        queue.clear();
        return all;
    }

    private void require(boolean legal, String transition) {
        if (!legal) {
            throw new IllegalStateException("model " + spec.id() + ": cannot " + transition + " (files " + files
                    + ", memory " + memory + ", " + active + " leases, " + queue.size() + " waiting)");
        }
    }
}
