package dev.llmlb.host.resolve;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmlb.api.ModelSpec;
import dev.llmlb.api.engine.LocalModel;
import dev.llmlb.api.source.FetchPlan;
import dev.llmlb.api.source.ModelSource;
import dev.llmlb.api.source.PlanningException;
import dev.llmlb.api.source.RemoteFile;
import dev.llmlb.host.catalog.RelativePaths;
import dev.llmlb.host.config.NodeConfig;
import dev.llmlb.host.download.DownloadException;
import dev.llmlb.host.download.DownloadSettings;
import dev.llmlb.host.download.DownloadedFile;
import dev.llmlb.host.download.FileDownloader;
import dev.llmlb.host.failure.Failure;
import dev.llmlb.host.http.Json;
import dev.llmlb.host.metrics.NodeMetrics;
import dev.llmlb.host.plugins.PluginRegistry;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Fetches models: plans with the model's source, transfers with {@link FileDownloader}, and writes the manifest
 * last. At most {@code LLMLB_MAX_CONCURRENT_DOWNLOADS} models download at once in this process, in arrival
 * order; across processes sharing the models folder, the lock file makes one download and the others wait.
 */
public final class ModelResolver implements ModelFetcher, AutoCloseable {

    private static final System.Logger LOG = System.getLogger(ModelResolver.class.getName());
    /** Enough for a metadata step and a shards step; more is a source looping. */
    private static final int MAX_PLAN_STEPS = 8;
    private static final long WAIT_POLL_MILLIS = 500;

    private final NodeConfig config;
    private final PluginRegistry plugins;
    private final FileDownloader downloader;
    private final Semaphore downloadSlots;
    private final ObjectMapper json = Json.mapper();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final NodeMetrics metrics;

    public ModelResolver(NodeConfig config, PluginRegistry plugins, NodeMetrics metrics) {
        this(config, plugins, new FileDownloader(DownloadSettings.of(config)), metrics);
    }

    public ModelResolver(NodeConfig config, PluginRegistry plugins, FileDownloader downloader, NodeMetrics metrics) {
        this.config = config;
        this.plugins = plugins;
        this.downloader = downloader;
        this.metrics = metrics;
        this.downloadSlots = new Semaphore(config.maxConcurrentDownloads(), true);
    }

    @Override
    public Path folder(ModelSpec spec) {
        return config.modelsDir().resolve(spec.id());
    }

    @Override
    public Optional<LocalModel> findLocal(ModelSpec spec) {
        Path folder = folder(spec);
        return Manifest.read(folder, json).filter(m -> m.isCompleteFor(spec, folder))
                .map(m -> m.toLocalModel(folder));
    }

    @Override
    public LocalModel fetch(ModelSpec spec, FetchListener listener) throws FetchException {
        if (config.offline()) {
            throw failure(Failure.Kind.DOWNLOAD_FAILED, "HF_HUB_OFFLINE is set and the model is not on disk; unset it or copy the model "
                    + "into " + folder(spec), null);
        }
        ModelSource source = plugins.source(spec.source()).orElseThrow(() -> failure(Failure.Kind.UNAVAILABLE,
                "no source plugin for '" + spec.source() + "' is installed", null));
        try {
            while (true) {
                listener.waiting(0, 0);
                downloadSlots.acquire();
                try {
                    Optional<DownloadLock> lock = DownloadLock.tryAcquire(config.locksDir(), spec.id(),
                            config.downloadTimeout(), json);
                    if (lock.isPresent()) {
                        try (DownloadLock held = lock.get()) {
                            Optional<LocalModel> local = findLocal(spec);
                            if (local.isPresent()) {
                                return local.get();
                            }
                            return download(spec, source, held, listener);
                        }
                    }
                } finally {
                    downloadSlots.release();
                }
                Optional<LocalModel> done = waitForOtherProcess(spec, listener);
                if (done.isPresent()) {
                    return done.get();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw failure(Failure.Kind.UNAVAILABLE, "the node is shutting down", e);
        } catch (IOException e) {
            throw failure(Failure.Kind.DOWNLOAD_FAILED, "cannot write to " + folder(spec) + ": " + e.getMessage(), e);
        }
    }

    /**
     * Another process holds the model's lock: wait, showing its progress, until it lets go. Its model is used
     * when it completed it; otherwise this process tries to take the lock itself.
     */
    private Optional<LocalModel> waitForOtherProcess(ModelSpec spec, FetchListener listener)
            throws InterruptedException, IOException {
        Path file = DownloadLock.fileOf(config.locksDir(), spec.id());
        boolean logged = false;
        while (Files.exists(file) && !closed.get()) {
            Optional<DownloadLock.Holder> holder = DownloadLock.read(file, json);
            if (!logged) {
                LOG.log(Level.INFO, "Model {0} is being downloaded by another process ({1}); waiting for it",
                        spec.id(), holder.map(h -> "pid " + h.pid() + " on " + h.host()).orElse("unknown"));
                logged = true;
            }
            holder.ifPresent(h -> listener.waiting(h.downloadedBytes(), h.totalBytes()));
            Thread.sleep(WAIT_POLL_MILLIS);
            if (isStale(file)) {
                return Optional.empty();
            }
        }
        return findLocal(spec);
    }

    private boolean isStale(Path file) throws IOException {
        Optional<DownloadLock> probe = DownloadLock.tryAcquire(config.locksDir(),
                file.getFileName().toString().replaceFirst("\\.lock$", ""), config.downloadTimeout(), json);
        // Taking it over proves it stale; give it back at once, the caller's loop takes it properly.
        probe.ifPresent(DownloadLock::close);
        return probe.isPresent();
    }

    private LocalModel download(ModelSpec spec, ModelSource source, DownloadLock lock, FetchListener listener)
            throws FetchException, IOException {
        Path folder = folder(spec);
        Path partials = folder.resolve(".partial");
        Files.createDirectories(folder);
        // A manifest is only ever the last thing written; one left from another version of the entry goes first.
        Files.deleteIfExists(folder.resolve(Manifest.FILE_NAME));
        HubPlanningContext context = new HubPlanningContext(config.hubEndpoint(), folder, downloader);
        Map<String, Manifest.FileEntry> files = new LinkedHashMap<>();
        ProgressLog progressLog = new ProgressLog();
        long done = 0;
        long total = 0;
        for (int step = 1; step <= MAX_PLAN_STEPS; step++) {
            FetchPlan plan;
            try {
                plan = source.plan(spec, context);
            } catch (PlanningException e) {
                throw failure(Failure.Kind.DOWNLOAD_FAILED, e.getMessage(), e);
            } catch (RuntimeException e) {
                throw failure(Failure.Kind.DOWNLOAD_FAILED, "the '" + spec.source() + "' source failed to plan: " + e, e);
            }
            if (plan instanceof FetchPlan.Complete complete) {
                Manifest manifest = new Manifest(spec.id(), spec.source(), spec.repoId(), spec.revision(),
                        complete.format(), complete.properties(), List.copyOf(files.values()),
                        Instant.now().toString());
                manifest.write(folder, json);
                deleteTree(partials);
                return manifest.toLocalModel(folder);
            }
            List<RemoteFile> step0 = ((FetchPlan.Fetch) plan).files();
            List<RemoteFile> stepFiles = new ArrayList<>();
            for (RemoteFile file : step0) {
                String problem = RelativePaths.problem(file.path());
                if (problem != null) {
                    throw failure(Failure.Kind.DOWNLOAD_FAILED, "the source planned an unsafe file name '" + file.path() + "' (" + problem
                            + "); refusing it", null);
                }
                if (!files.containsKey(file.path())) {
                    stepFiles.add(withSize(file));
                }
            }
            long stepBytes = stepFiles.stream().mapToLong(RemoteFile::sizeBytes).sum();
            total += stepBytes;
            progressLog.total(total);
            listener.downloading(done, total);
            lock.progress(done, total);
            for (RemoteFile file : stepFiles) {
                Path target = folder.resolve(file.path());
                Path partial = partials.resolve(file.path() + ".part");
                Files.createDirectories(target.getParent());
                Files.createDirectories(partial.getParent());
                long base = done;
                long stepTotal = total;
                DownloadedFile fetched;
                try {
                    fetched = downloader.download(file, partial, target, bytes -> {
                        listener.downloading(base + bytes, stepTotal);
                        progressLog.bytes(base + bytes);
                        lock.progress(base + bytes, stepTotal);
                    }, closed::get);
                } catch (DownloadException e) {
                    if (e.kind() == DownloadException.Kind.VERIFICATION_FAILED) {
                        metrics.verificationFailed();
                    }
                    throw failure(e.kind() == DownloadException.Kind.NETWORK_TIMEOUT ? Failure.Kind.TIMEOUT
                    : Failure.Kind.DOWNLOAD_FAILED, e.reason(), e);
                }
                files.put(file.path(), new Manifest.FileEntry(file.path(), fetched.sizeBytes(), fetched.sha256()));
                done += fetched.sizeBytes();
                // The server's size wins over a planned one only when none was planned; a mismatch failed above.
                total += fetched.sizeBytes() - file.sizeBytes();
                progressLog.total(total);
                progressLog.bytes(done);
                listener.downloading(done, total);
            }
        }
        throw failure(Failure.Kind.DOWNLOAD_FAILED, "the '" + spec.source() + "' source did not finish planning in " + MAX_PLAN_STEPS
                + " steps", null);
    }

    /** The file with its size, asked of the server when the source did not know it. */
    private RemoteFile withSize(RemoteFile file) throws FetchException {
        if (file.sizeBytes() != RemoteFile.UNKNOWN_SIZE) {
            return file;
        }
        try {
            return new RemoteFile(file.path(), file.uri(), downloader.probeSize(file), file.sha256());
        } catch (DownloadException e) {
            throw failure(e.kind() == DownloadException.Kind.NETWORK_TIMEOUT ? Failure.Kind.TIMEOUT
                    : Failure.Kind.DOWNLOAD_FAILED, e.reason(), e);
        }
    }

    private static FetchException failure(Failure.Kind kind, String reason, Throwable cause) {
        Failure failure = kind == Failure.Kind.UNAVAILABLE
                ? Failure.unavailable("download_unavailable", reason, 30)
                : new Failure(kind, "download_failed", "Failed to download model: " + reason);
        return new FetchException(failure, cause);
    }

    @Override
    public void delete(ModelSpec spec) throws IOException {
        deleteTree(folder(spec));
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                Files.delete(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /** Stops running downloads at their next buffer; their partial files stay for a later resume. */
    @Override
    public void close() {
        closed.set(true);
        downloader.close();
    }
}
