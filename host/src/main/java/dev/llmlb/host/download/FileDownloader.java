package dev.llmlb.host.download;

import dev.llmlb.api.source.RemoteDocument;
import dev.llmlb.api.source.RemoteFile;

import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * Transfers files and reads small documents from a hub, a mirror or their CDN.
 *
 * <p>A file goes to a partial file (never to its final name) in chunks: one for small files, several fetched over
 * concurrent {@code Range} requests for large ones (see {@link FileTransfer}), with a chunk map beside it so a
 * dropped connection or a restart resumes chunk by chunk. Its SHA-256 is computed behind the writers as the file
 * fills from its start ({@link TrailingHasher}); it is verified (size, and SHA-256 when the plan or the hub gives
 * one), flushed, and only then moved atomically into place, under the caller's {@link Commit}.
 *
 * <p>Nothing waits forever: every request must see its response headers within {@code LLMLB_HUB_TIMEOUT}, a
 * document its next byte within the same, and a file its next byte within {@code LLMLB_DOWNLOAD_TIMEOUT}.
 */
public final class FileDownloader implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(FileDownloader.class.getName());
    private static final long DISK_MARGIN = 16L << 20;
    private static final int MAX_TEXT = 16 << 20;
    /** Tries for a document or a size: the hub's metadata answers fast, or something is wrong. */
    private static final int METADATA_ATTEMPTS = 3;
    private static final long UNREACHABLE_RETRY_MILLIS = 250;
    private static final int MAX_RESTARTS = 2;
    /** The most chunks a file is cut into by default: enough to balance connections of uneven speed. */
    private static final int CHUNKS_PER_CONNECTION = 4;
    private static final long MIN_CHUNK = 1L << 20;
    private static final long MAX_CHUNK = 64L << 20;

    private final DownloadSettings settings;
    private final HubClient hub;

    public FileDownloader(DownloadSettings settings) {
        this.settings = settings;
        this.hub = new HubClient(settings);
    }

    public DownloadSettings settings() {
        return settings;
    }

    /** The file's size as the server declares it ({@code X-Linked-Size}, else {@code Content-Length}). */
    public long probeSize(RemoteFile file) throws DownloadException {
        return withRetries(file.path(), () -> {
            try (HubClient.Opened head = hub.open("HEAD", file.uri(), file.headers(), Optional.empty(),
                    settings.hubTimeout())) {
                if (head.linkedSize().isPresent()) {
                    return head.linkedSize().getAsLong();
                }
                return head.header("Content-Length").filter(v -> v.matches("\\d{1,18}")).map(Long::parseLong)
                        .orElseThrow(() -> new DownloadException(DownloadException.Kind.IO,
                                "the server declares no size for " + file.path()));
            }
        });
    }

    /**
     * A small document (a listing, an index) with its response headers; {@code headers} go to {@code uri}'s origin
     * only. Timed out after {@code LLMLB_HUB_TIMEOUT} without a byte, and retried.
     */
    public RemoteDocument read(URI uri, Map<String, String> headers) throws DownloadException {
        return withRetries(HubClient.describe(uri), () -> {
            try (HubClient.Opened opened = hub.open("GET", uri, headers, Optional.empty(), settings.hubTimeout())) {
                StallWatch watch = StallWatch.start(settings.hubTimeout(), opened);
                try (watch; InputStream in = opened.body()) {
                    java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
                    byte[] buffer = new byte[64 << 10];
                    for (int n; (n = in.read(buffer)) >= 0; ) {
                        watch.bytesArrived();
                        body.write(buffer, 0, n);
                        if (body.size() > MAX_TEXT) {
                            throw new DownloadException(DownloadException.Kind.IO, HubClient.describe(uri)
                                    + " is larger than " + MAX_TEXT + " bytes");
                        }
                    }
                    return new RemoteDocument(opened.uri(), body.toString(StandardCharsets.UTF_8),
                            opened.response().headers().map());
                } catch (IOException | RuntimeException e) {
                    if (watch.stalled()) {
                        throw new DownloadException(DownloadException.Kind.NETWORK_TIMEOUT, "Network timeout (no data "
                                + "from " + uri.getHost() + " for " + HubClient.seconds(settings.hubTimeout())
                                + " while reading " + HubClient.describe(uri) + ", LLMLB_HUB_TIMEOUT)", e);
                    }
                    throw hub.networkFailure(uri, e, settings.hubTimeout());
                }
            }
        });
    }

    private interface Request<T> {
        T send() throws DownloadException;
    }

    /** Metadata requests: timeouts and server errors retried, an unreachable server once, quickly. */
    private <T> T withRetries(String what, Request<T> request) throws DownloadException {
        boolean retriedUnreachable = false;
        for (int attempt = 1; ; attempt++) {
            try {
                return request.send();
            } catch (DownloadException e) {
                if (e.kind() == DownloadException.Kind.UNREACHABLE && !retriedUnreachable) {
                    retriedUnreachable = true;
                    attempt--;
                    sleep(UNREACHABLE_RETRY_MILLIS, what);
                    continue;
                }
                boolean retryable = e.isTransient() || e.kind() == DownloadException.Kind.NETWORK_TIMEOUT;
                if (!retryable || attempt >= Math.min(METADATA_ATTEMPTS, settings.maxAttempts())) {
                    throw e;
                }
                long millis = Math.min(2000, settings.initialBackoff().toMillis() << (attempt - 1));
                if (e.retryAfterSeconds() >= 0) {
                    millis = Math.max(millis, Math.min(10, e.retryAfterSeconds()) * 1000);
                }
                LOG.log(Level.WARNING, "Attempt {0} for {1} failed ({2}); retrying in {3} ms", attempt, what,
                        e.reason(), millis);
                sleep(millis, what);
            }
        }
    }

    private static void sleep(long millis, String what) throws DownloadException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DownloadException(DownloadException.Kind.CANCELLED, "interrupted while retrying " + what);
        }
    }

    /** {@link #download(RemoteFile, Path, Path, ProgressListener, BooleanSupplier, Commit)} for a sole owner. */
    public DownloadedFile download(RemoteFile file, Path partial, Path target, ProgressListener listener,
                                   BooleanSupplier cancelled) throws DownloadException {
        return download(file, partial, target, listener, cancelled, Commit.always());
    }

    /**
     * Fetches {@code file} into {@code target} through the partial file {@code partial}.
     *
     * @param listener  hears the bytes of this file on disk so far, every few hundred kilobytes or half second, one
     *                  thread at a time
     * @param cancelled checked for every block read; when it turns true the transfer stops and the partial file
     *                  stays for a later resume
     * @param commit    runs the final move; when it refuses (the caller lost its lock), the work is discarded
     */
    public DownloadedFile download(RemoteFile file, Path partial, Path target, ProgressListener listener,
                                   BooleanSupplier cancelled, Commit commit) throws DownloadException {
        long size = file.sizeBytes() != RemoteFile.UNKNOWN_SIZE ? file.sizeBytes() : probeSize(file);
        Optional<String> sha = file.sha256();
        for (int restarts = 0; ; restarts++) {
            try (PartFile part = PartFile.open(partial, size, chunkSize(size), sha);
                 TrailingHasher hasher = new TrailingHasher(part)) {
                ensureSpace(partial, size - part.doneTotal());
                FileTransfer transfer = new FileTransfer(file, settings, hub, part, hasher, listener, cancelled);
                try {
                    transfer.run();
                } catch (FileTransfer.Restart restart) {
                    part.reset(restart.size(), chunkSize(restart.size()), restart.sha256());
                    if (restarts >= MAX_RESTARTS) {
                        throw new DownloadException(DownloadException.Kind.NETWORK, restart.getMessage());
                    }
                    size = restart.size();
                    sha = restart.sha256();
                    continue;
                }
                part.saveAll();
                listener.onBytes(part.size());
                String actual = hasher.finish();
                Optional<String> expected = transfer.expectedSha();
                if (expected.isPresent() && !expected.get().equals(actual)) {
                    part.discard();
                    String reason = "checksum mismatch for " + file.path() + ": expected sha256 " + expected.get()
                            + ", got " + actual;
                    LOG.log(Level.ERROR, "Verification failed: {0}", reason);
                    throw new DownloadException(DownloadException.Kind.VERIFICATION_FAILED, reason);
                }
                part.force();
                if (!commit.run(() -> part.moveTo(target))) {
                    part.discard();
                    throw new DownloadException(DownloadException.Kind.SUPERSEDED, "another process took over the "
                            + "download of " + file.path() + "; this one's copy was discarded");
                }
                return new DownloadedFile(file.path(), part.size(), actual, transfer.repoCommit());
            } catch (IOException e) {
                throw new DownloadException(isDiskFull(e) ? DownloadException.Kind.DISK_FULL
                        : DownloadException.Kind.IO, "cannot write " + partial + ": " + e.getMessage(), e);
            }
        }
    }

    /**
     * The chunk size of a new partial file: the whole file below the parallel threshold or with one connection,
     * else enough chunks for every connection to take several (so a slow one does not hold up the end), each from
     * 1 MiB to 64 MiB. A partial file keeps its chunks for good: a resume with other settings reads them from its
     * map.
     */
    long chunkSize(long size) {
        if (size < settings.parallelThreshold() || settings.connections() == 1) {
            return Math.max(1, size);
        }
        long chunk = size / ((long) settings.connections() * CHUNKS_PER_CONNECTION);
        return Math.min(MAX_CHUNK, Math.max(MIN_CHUNK, chunk));
    }

    private void ensureSpace(Path partial, long remaining) throws DownloadException {
        long usable;
        try {
            usable = settings.freeSpace().usableBytes(partial.toAbsolutePath().getParent());
        } catch (IOException e) {
            return;
        }
        if (usable < remaining + DISK_MARGIN) {
            throw new DownloadException(DownloadException.Kind.DISK_FULL, "not enough disk space in "
                    + partial.toAbsolutePath().getParent() + ": " + (remaining + DISK_MARGIN) + " bytes needed, "
                    + usable + " available; free space or point LLMLB_MODELS_DIR elsewhere");
        }
    }

    static boolean isDiskFull(IOException e) {
        String message = String.valueOf(e.getMessage());
        return message.contains("No space left") || message.contains("Disk quota");
    }

    /** Stops every transfer at once: their partial files stay for a later resume. */
    @Override
    public void close() {
        hub.close();
    }
}
