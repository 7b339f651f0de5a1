package dev.llmlb.host.resolve;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmlb.api.ModelSpec;
import dev.llmlb.api.engine.LocalModel;
import dev.llmlb.api.source.FetchPlan;
import dev.llmlb.api.source.ModelSource;
import dev.llmlb.api.source.PlanningException;
import dev.llmlb.api.source.RemoteFile;
import dev.llmlb.api.source.SafePath;
import dev.llmlb.host.download.DownloadException;
import dev.llmlb.host.download.DownloadedFile;
import dev.llmlb.host.download.FileDownloader;
import dev.llmlb.host.failure.Failure;
import dev.llmlb.host.metrics.NodeMetrics;

import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.function.BooleanSupplier;

/**
 * One download of one model, run while this process holds the model's {@link DownloadLock}: plans with the source
 * step by step, keeps each planned file already on disk that matches the plan (size, and SHA-256 when the plan or
 * the catalog gives one; a hash remembered in the previous manifest is trusted while the file's size and time are
 * unchanged), transfers the rest, and writes the manifest last, listing every file of the plan.
 *
 * <p>Planning holds no download slot: only transfers wait for one, so a hub that is slow to list one repository
 * holds up no other model.
 */
final class FetchRun {

    private static final System.Logger LOG = System.getLogger(FetchRun.class.getName());
    /** Enough for a metadata step and a shards step; more is a source looping. */
    private static final int MAX_PLAN_STEPS = 8;
    /** Where a fetch keeps the manifest it replaces until it writes the new one. */
    private static final String PREVIOUS_MANIFEST = "manifest.previous.json";

    /** The lock was taken over by another process; this run's work was discarded. */
    static final class Superseded extends Exception {
        Superseded(String message) {
            super(message, null, false, false);
        }
    }

    private final ModelSpec spec;
    private final ModelSource source;
    private final Path folder;
    private final Path partials;
    private final FileDownloader downloader;
    private final DownloadLock lock;
    private final Semaphore slots;
    private final FetchListener listener;
    private final ObjectMapper json;
    private final NodeMetrics metrics;
    private final BooleanSupplier stopped;
    private final HubPlanningContext context;
    private final ProgressLog progressLog = new ProgressLog();
    private final Map<String, Manifest.FileEntry> files = new LinkedHashMap<>();
    private Optional<Manifest> previous = Optional.empty();
    private Optional<String> commit = Optional.empty();
    private long done;
    private long total;

    FetchRun(ModelSpec spec, ModelSource source, Path folder, FileDownloader downloader, DownloadLock lock,
             Semaphore slots, FetchListener listener, ObjectMapper json, NodeMetrics metrics, BooleanSupplier stopped) {
        this.spec = spec;
        this.source = source;
        this.folder = folder;
        this.partials = folder.resolve(SafePath.PARTIAL_FOLDER);
        this.downloader = downloader;
        this.lock = lock;
        this.slots = slots;
        this.listener = listener;
        this.json = json;
        this.metrics = metrics;
        this.stopped = stopped;
        this.context = new HubPlanningContext(folder, downloader);
    }

    LocalModel run() throws FetchException, Superseded, IOException, InterruptedException {
        Files.createDirectories(folder);
        // The last manifest, or the one an unfinished fetch set aside: the hashes it remembers spare hashing again.
        Path setAside = partials.resolve(PREVIOUS_MANIFEST);
        previous = Manifest.read(folder, json).or(() -> Manifest.readFile(setAside, json));
        // From here on the folder changes: nobody may take it for a complete model until the new manifest is in.
        fenced(() -> {
            Path manifest = folder.resolve(Manifest.FILE_NAME);
            if (Files.exists(manifest)) {
                Files.createDirectories(partials);
                Files.move(manifest, setAside, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
        });
        for (int step = 1; step <= MAX_PLAN_STEPS; step++) {
            FetchPlan plan = plan();
            if (lock.lost()) {
                throw superseded();
            }
            if (plan instanceof FetchPlan.Complete complete) {
                return complete(complete);
            }
            fetchStep(((FetchPlan.Fetch) plan).files());
        }
        throw ModelResolver.failure(Failure.Kind.DOWNLOAD_FAILED, "the '" + spec.source() + "' source did not "
                + "finish planning in " + MAX_PLAN_STEPS + " steps", null);
    }

    private FetchPlan plan() throws FetchException {
        try {
            return source.plan(spec, context);
        } catch (PlanningException e) {
            DownloadException cause = e.getCause() instanceof DownloadException d ? d : null;
            throw ModelResolver.failure(cause != null ? ModelResolver.kindOf(cause) : Failure.Kind.DOWNLOAD_FAILED,
                    e.getMessage(), e);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "The '" + spec.source() + "' source failed to plan " + spec.id(), e);
            throw ModelResolver.failure(Failure.Kind.DOWNLOAD_FAILED, "the '" + spec.source() + "' source failed to "
                    + "plan: " + e.getMessage(), e);
        }
    }

    private LocalModel complete(FetchPlan.Complete complete) throws FetchException, Superseded, IOException {
        for (Manifest.FileEntry file : files.values()) {
            Path path = folder.resolve(file.path());
            if (!Files.isRegularFile(path) || Files.size(path) != file.size()) {
                throw ModelResolver.failure(Failure.Kind.DOWNLOAD_FAILED, file.path() + " disappeared from "
                        + folder + " during the download", null);
            }
        }
        if (files.isEmpty()) {
            throw ModelResolver.failure(Failure.Kind.DOWNLOAD_FAILED, "the '" + spec.source() + "' source "
                    + "completed without planning a single file", null);
        }
        Manifest manifest = new Manifest(Manifest.VERSION, spec.id(), spec.source(), spec.repoId(), spec.revision(),
                commit.orElse(null), Manifest.Listed.of(spec), complete.format(), complete.properties(),
                List.copyOf(files.values()), Instant.now().toString());
        fenced(() -> manifest.write(folder, partials, json));
        ModelResolver.deleteTree(partials);
        return manifest.toLocalModel(folder);
    }

    private void fenced(dev.llmlb.host.download.Commit.Action action) throws IOException, Superseded {
        if (!lock.commit(action)) {
            throw superseded();
        }
    }

    private Superseded superseded() {
        return new Superseded("another process took over the download of " + spec.id());
    }

    private void fetchStep(List<RemoteFile> planned) throws FetchException, Superseded, IOException,
            InterruptedException {
        List<RemoteFile> step = new ArrayList<>();
        for (RemoteFile file : planned) {
            if (SafePath.problem(file.path()).isPresent()) {
                throw ModelResolver.failure(Failure.Kind.DOWNLOAD_FAILED, "the source planned an unsafe file name '"
                        + SafePath.printable(file.path()) + "' (" + SafePath.problem(file.path()).get()
                        + "); refusing it", null);
            }
            if (!files.containsKey(file.path()) && step.stream().noneMatch(f -> f.path().equals(file.path()))) {
                step.add(withSize(file));
            }
        }
        total += step.stream().mapToLong(RemoteFile::sizeBytes).sum();
        progressLog.total(total);
        report();
        List<RemoteFile> transfers = new ArrayList<>();
        for (RemoteFile file : step) {
            Optional<Manifest.FileEntry> kept = keep(file);
            if (kept.isPresent()) {
                accept(kept.get(), file.sizeBytes());
            } else {
                transfers.add(file);
            }
        }
        if (transfers.isEmpty()) {
            return;
        }
        if (!slots.tryAcquire()) {
            listener.waiting(done, total);
            slots.acquire();
        }
        try {
            report();
            for (RemoteFile file : transfers) {
                transfer(file);
            }
        } finally {
            slots.release();
        }
    }

    private void report() {
        listener.downloading(done, total);
        progressLog.bytes(done);
        lock.progress(done, total);
    }

    private void accept(Manifest.FileEntry entry, long planned) {
        files.put(entry.path(), entry);
        context.verified(entry.path());
        done += entry.size();
        // The server's size wins over a planned one only when none was planned; a mismatch failed the transfer.
        total += entry.size() - planned;
        progressLog.total(total);
        report();
    }

    /**
     * The file already at its final name, when it matches the plan: its size, and its SHA-256 when the plan gives
     * one (hashed now, unless the previous manifest remembers it for the file's current size and time).
     */
    private Optional<Manifest.FileEntry> keep(RemoteFile file) throws IOException {
        Path target = folder.resolve(file.path());
        if (!Files.isRegularFile(target)) {
            return Optional.empty();
        }
        long size = Files.size(target);
        if (size != file.sizeBytes()) {
            LOG.log(Level.INFO, "{0} of {1} on disk has {2} bytes, the plan says {3}; fetching it again",
                    file.path(), spec.id(), size, file.sizeBytes());
            return Optional.empty();
        }
        long modified = Files.getLastModifiedTime(target).toMillis();
        Optional<String> remembered = previous.flatMap(m -> m.rememberedSha256(file.path(), size, modified));
        String sha;
        if (remembered.isPresent()) {
            sha = remembered.get();
        } else {
            LOG.log(Level.INFO, "Verifying {0} of {1}, already on disk ({2} bytes)", file.path(), spec.id(), size);
            sha = sha256(target);
        }
        if (file.sha256().isPresent() && !file.sha256().get().equals(sha)) {
            LOG.log(Level.INFO, "{0} of {1} on disk is not the planned file (sha256 {2}, planned {3}); fetching it "
                    + "again", file.path(), spec.id(), sha, file.sha256().get());
            return Optional.empty();
        }
        return Optional.of(new Manifest.FileEntry(file.path(), size, sha, modified));
    }

    private void transfer(RemoteFile file) throws FetchException, Superseded, IOException {
        Path target = folder.resolve(file.path());
        Path partial = partials.resolve(file.path() + ".part");
        long base = done;
        long stepTotal = total;
        DownloadedFile fetched;
        try {
            fetched = downloader.download(file, partial, target, bytes -> {
                listener.downloading(base + bytes, stepTotal);
                progressLog.bytes(base + bytes);
                lock.progress(base + bytes, stepTotal);
            }, () -> stopped.getAsBoolean() || lock.lost(), lock::commit);
        } catch (DownloadException e) {
            if (e.kind() == DownloadException.Kind.SUPERSEDED
                    || e.kind() == DownloadException.Kind.CANCELLED && lock.lost()) {
                throw superseded();
            }
            if (e.kind() == DownloadException.Kind.VERIFICATION_FAILED) {
                metrics.verificationFailed();
            }
            throw ModelResolver.failure(ModelResolver.kindOf(e), e.reason(), e);
        }
        commit = commit.or(fetched::repoCommit);
        accept(new Manifest.FileEntry(file.path(), fetched.sizeBytes(), fetched.sha256(),
                Files.getLastModifiedTime(target).toMillis()), file.sizeBytes());
    }

    /** The file with its size, asked of the server when the source did not know it. */
    private RemoteFile withSize(RemoteFile file) throws FetchException {
        if (file.sizeBytes() != RemoteFile.UNKNOWN_SIZE) {
            return file;
        }
        try {
            return file.withSize(downloader.probeSize(file));
        } catch (DownloadException e) {
            throw ModelResolver.failure(ModelResolver.kindOf(e), e.reason(), e);
        }
    }

    private static String sha256(Path file) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[1 << 20];
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
