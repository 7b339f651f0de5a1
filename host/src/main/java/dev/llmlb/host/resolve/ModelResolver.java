package dev.llmlb.host.resolve;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmlb.api.ModelSpec;
import dev.llmlb.api.engine.LocalModel;
import dev.llmlb.api.source.ModelSource;
import dev.llmlb.api.source.SafePath;
import dev.llmlb.host.config.NodeConfig;
import dev.llmlb.host.download.DownloadException;
import dev.llmlb.host.download.DownloadSettings;
import dev.llmlb.host.download.FileDownloader;
import dev.llmlb.host.download.FileLocks;
import dev.llmlb.host.failure.Failure;
import dev.llmlb.host.json.Json;
import dev.llmlb.host.metrics.NodeMetrics;
import dev.llmlb.host.plugins.PluginRegistry;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Fetches, finds and deletes models in the models folder, which several processes may share.
 *
 * <p>A fetch takes the model's cross-process {@link DownloadLock} (waiting, with the holder's progress as its own,
 * while another process downloads the model) and runs a {@link FetchRun}. At most
 * {@code LLMLB_MAX_CONCURRENT_DOWNLOADS} models transfer at once in this process, in arrival order; planning waits
 * for no slot. A delete takes the same lock and the model's in-use lock ({@code .locks/<id>.use}, held shared by
 * every process that has the model loaded, see {@link #markInUse}), so it never removes files another process
 * downloads or serves.
 */
public final class ModelResolver implements ModelFetcher, AutoCloseable {

    private static final System.Logger LOG = System.getLogger(ModelResolver.class.getName());
    private static final long WAIT_POLL_MILLIS = 500;
    private static final Duration DELETE_WAIT = Duration.ofSeconds(5);

    private final NodeConfig config;
    private final PluginRegistry plugins;
    private final FileDownloader downloader;
    private final Semaphore downloadSlots;
    private final ObjectMapper json = Json.mapper();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final NodeMetrics metrics;
    private final DownloadLock.Timing lockTiming;

    public ModelResolver(NodeConfig config, PluginRegistry plugins, NodeMetrics metrics) {
        this(config, plugins, new FileDownloader(DownloadSettings.of(config)), metrics, DownloadLock.Timing.DEFAULT);
    }

    public ModelResolver(NodeConfig config, PluginRegistry plugins, FileDownloader downloader, NodeMetrics metrics) {
        this(config, plugins, downloader, metrics, DownloadLock.Timing.DEFAULT);
    }

    public ModelResolver(NodeConfig config, PluginRegistry plugins, FileDownloader downloader, NodeMetrics metrics,
                         DownloadLock.Timing lockTiming) {
        this.config = config;
        this.plugins = plugins;
        this.downloader = downloader;
        this.metrics = metrics;
        this.lockTiming = lockTiming;
        this.downloadSlots = new Semaphore(config.maxConcurrentDownloads(), true);
    }

    @Override
    public Path folder(ModelSpec spec) {
        SafePath.modelIdProblem(spec.id()).ifPresent(problem -> {
            throw new IllegalArgumentException("model id '" + SafePath.printable(spec.id()) + "' " + problem);
        });
        return config.modelsDir().resolve(spec.id());
    }

    private Path useFile(ModelSpec spec) {
        return config.locksDir().resolve(spec.id() + ".use");
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
            throw failure(Failure.Kind.DOWNLOAD_FAILED, "HF_HUB_OFFLINE is set and the model is not on disk; unset "
                    + "it or copy the model into " + folder(spec), null);
        }
        ModelSource source = plugins.source(spec.source()).orElseThrow(() -> failure(Failure.Kind.UNAVAILABLE,
                "no source plugin for '" + spec.source() + "' is installed", null));
        listener.waiting(0, 0);
        boolean announced = false;
        try {
            while (true) {
                if (closed.get()) {
                    throw failure(Failure.Kind.UNAVAILABLE, "the node is shutting down", null);
                }
                Optional<DownloadLock> lock = DownloadLock.tryAcquire(config.locksDir(), spec.id(), lockTiming, json);
                if (lock.isPresent()) {
                    try (DownloadLock held = lock.get()) {
                        Optional<LocalModel> local = findLocal(spec);
                        if (local.isPresent()) {
                            return local.get();
                        }
                        return new FetchRun(spec, source, folder(spec), downloader, held, downloadSlots, listener,
                                json, metrics, closed::get).run();
                    } catch (FetchRun.Superseded e) {
                        LOG.log(Level.WARNING, "{0}; waiting for that process instead", e.getMessage());
                        continue;
                    }
                }
                Optional<DownloadLock.Holder> holder = DownloadLock.read(DownloadLock.fileOf(config.locksDir(),
                        spec.id()), json);
                if (!announced) {
                    LOG.log(Level.INFO, "Model {0} is being downloaded by another process ({1}); waiting for it",
                            spec.id(), holder.map(h -> "pid " + h.pid() + " on " + h.host()).orElse("unknown"));
                    announced = true;
                }
                holder.ifPresent(h -> listener.waiting(h.downloadedBytes(), h.totalBytes()));
                Thread.sleep(WAIT_POLL_MILLIS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw failure(Failure.Kind.UNAVAILABLE, "the node is shutting down", e);
        } catch (IOException e) {
            throw failure(Failure.Kind.DOWNLOAD_FAILED, "cannot write to " + folder(spec) + ": " + e.getMessage(), e);
        }
    }

    /** What a failed transfer means for the client: a stall is a timeout (504), the rest a failed download. */
    static Failure.Kind kindOf(DownloadException e) {
        return switch (e.kind()) {
            case NETWORK_TIMEOUT -> Failure.Kind.TIMEOUT;
            case CANCELLED -> Failure.Kind.UNAVAILABLE;
            default -> Failure.Kind.DOWNLOAD_FAILED;
        };
    }

    static FetchException failure(Failure.Kind kind, String reason, Throwable cause) {
        Failure failure = kind == Failure.Kind.UNAVAILABLE
                ? Failure.unavailable("download_unavailable", reason, 30)
                : new Failure(kind, "download_failed", "Failed to download model: " + reason);
        return new FetchException(failure, cause);
    }

    @Override
    public void delete(ModelSpec spec) throws IOException {
        Path folder = folder(spec);
        Optional<DownloadLock> lock = DownloadLock.tryAcquire(config.locksDir(), spec.id(), lockTiming, json);
        if (lock.isEmpty()) {
            String who = DownloadLock.read(DownloadLock.fileOf(config.locksDir(), spec.id()), json)
                    .map(h -> " (pid " + h.pid() + " on " + h.host() + ")").orElse("");
            throw busy(spec, "is being downloaded by another process" + who + "; delete it afterwards");
        }
        try (DownloadLock held = lock.get();
             FileLocks.Held use = FileLocks.tryExclusive(useFile(spec)).orElseThrow(() -> busy(spec,
                     "is loaded by a process that shares this models folder; unload it there first"))) {
            if (!held.commit(() -> {
                Files.deleteIfExists(folder.resolve(Manifest.FILE_NAME));
                Manifest.syncFolder(folder);
                deleteTree(folder);
            })) {
                throw busy(spec, "was taken over by another process while being deleted");
            }
        }
    }

    private static dev.llmlb.host.failure.FailureException busy(ModelSpec spec, String why) {
        return new Failure(Failure.Kind.CONFLICT, "model_busy", "Model '" + spec.id() + "' " + why + ".")
                .exception();
    }

    @Override
    public InUse markInUse(ModelSpec spec) {
        try {
            Files.createDirectories(config.locksDir());
            Optional<FileLocks.Held> held = FileLocks.shared(useFile(spec), DELETE_WAIT);
            if (held.isEmpty()) {
                throw busy(spec, "is being deleted");
            }
            return held.get()::close;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot mark model " + spec.id() + " in use: " + e.getMessage(), e);
        }
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException exc) throws IOException {
                if (exc instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE;
                }
                throw exc;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                Files.deleteIfExists(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /** Stops running downloads at once; their partial files stay for a later resume. */
    @Override
    public void close() {
        closed.set(true);
        downloader.close();
    }
}
