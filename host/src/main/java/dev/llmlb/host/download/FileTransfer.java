package dev.llmlb.host.download;

import dev.llmlb.api.source.RemoteFile;

import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Fills one {@link PartFile} from the network: each unfinished chunk is a {@code Range} request, several at once
 * (up to {@code LLMLB_DOWNLOAD_CONNECTIONS}) when the file has several chunks. The first response is checked alone
 * (status, offset, the hub's size and SHA-256, the file's commit) before the other connections open, and they reuse
 * the URI it was served from, so a CDN redirect is resolved once. A server that answers a range with {@code 200}
 * gets one stream for the whole file. A connection that drops resumes its chunk where it stopped, after a
 * backoff; the transfer gives up after {@code maxAttempts} failures in a row with no byte received.
 */
final class FileTransfer {

    private static final System.Logger LOG = System.getLogger(FileTransfer.class.getName());
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");
    private static final int READ_BUFFER = 256 << 10;
    private static final long PROGRESS_EVERY = 256L << 10;
    /** A slow link still reports this often, so its status moves and nobody takes it for a stalled one. */
    private static final long PROGRESS_EVERY_NANOS = 500_000_000L;
    private static final long UNREACHABLE_RETRY_MILLIS = 250;

    /** The file on the server is not the one the partial download holds: start over with what it now is. */
    static final class Restart extends Exception {
        private final long size;
        private final Optional<String> sha256;

        Restart(String why, long size, Optional<String> sha256) {
            super(why, null, false, false);
            this.size = size;
            this.sha256 = sha256;
        }

        long size() {
            return size;
        }

        Optional<String> sha256() {
            return sha256;
        }
    }

    private final RemoteFile file;
    private final DownloadSettings settings;
    private final HubClient hub;
    private final PartFile part;
    private final TrailingHasher hasher;
    private final ProgressListener listener;
    private final BooleanSupplier cancelled;

    private final ConcurrentLinkedQueue<Integer> pending = new ConcurrentLinkedQueue<>();
    private final CountDownLatch validatedSignal = new CountDownLatch(1);
    private final AtomicInteger failuresInARow = new AtomicInteger();
    private final AtomicReference<Exception> abort = new AtomicReference<>();
    private final Set<HubClient.Opened> openResponses = ConcurrentHashMap.newKeySet();
    private final AtomicLong doneBytes;
    private final Object reportLock = new Object();
    private volatile long reported;
    private volatile long reportedAtNanos = System.nanoTime();
    private volatile boolean validated;
    private volatile boolean singleStream;
    private volatile URI servedFrom;
    private volatile Optional<String> expectedSha;
    private volatile Optional<String> repoCommit = Optional.empty();

    FileTransfer(RemoteFile file, DownloadSettings settings, HubClient hub, PartFile part, TrailingHasher hasher,
                 ProgressListener listener, BooleanSupplier cancelled) {
        this.file = file;
        this.settings = settings;
        this.hub = hub;
        this.part = part;
        this.hasher = hasher;
        this.listener = listener;
        this.cancelled = cancelled;
        this.expectedSha = file.sha256().or(part::sha256);
        this.doneBytes = new AtomicLong(part.doneTotal());
        this.reported = doneBytes.get();
    }

    /** The SHA-256 the file must have: planned, else the hub's {@code X-Linked-Etag}; empty when neither. */
    Optional<String> expectedSha() {
        return expectedSha;
    }

    /** The hub's {@code X-Repo-Commit} of the file, when a response carried one. */
    Optional<String> repoCommit() {
        return repoCommit;
    }

    /** Fetches every unfinished chunk. */
    void run() throws DownloadException, Restart {
        for (int i = 0; i < part.chunks(); i++) {
            if (part.done(i) < part.chunkEnd(i) - part.chunkStart(i)) {
                pending.add(i);
            }
        }
        if (pending.isEmpty()) {
            return;
        }
        int connections = Math.min(settings.connections(), pending.size());
        List<Thread> workers = new ArrayList<>();
        for (int w = 0; w < connections; w++) {
            boolean first = w == 0;
            workers.add(Thread.ofVirtual().name("download-" + file.path() + "-" + w).start(() -> work(first)));
        }
        for (Thread worker : workers) {
            try {
                worker.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail(new DownloadException(DownloadException.Kind.CANCELLED, "interrupted while downloading "
                        + file.path()));
                workers.forEach(Thread::interrupt);
            }
        }
        Exception failure = abort.get();
        if (failure instanceof Restart restart) {
            throw restart;
        }
        if (failure instanceof DownloadException download) {
            throw download;
        }
        if (!part.isComplete()) {
            throw new DownloadException(DownloadException.Kind.NETWORK, "the transfer of " + file.path()
                    + " ended early");
        }
    }

    private void work(boolean first) {
        try {
            if (!first && !awaitValidated()) {
                return;
            }
            Integer chunk;
            while (abort.get() == null && (chunk = pending.poll()) != null) {
                fetchChunk(chunk);
            }
        } catch (DownloadException | Restart e) {
            fail(e);
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "Unexpected failure while downloading " + file.path(), e);
            fail(new DownloadException(DownloadException.Kind.IO, "the download of " + file.path() + " failed: "
                    + e.getMessage(), e));
        } finally {
            if (first) {
                validatedSignal.countDown();
            }
        }
    }

    private boolean awaitValidated() throws DownloadException {
        try {
            while (!validatedSignal.await(50, TimeUnit.MILLISECONDS)) {
                if (abort.get() != null) {
                    return false;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw cancelledFailure();
        }
        return validated && !singleStream && abort.get() == null;
    }

    private void fail(Exception failure) {
        if (abort.compareAndSet(null, failure)) {
            for (HubClient.Opened opened : openResponses) {
                opened.close();
            }
        }
    }

    /** Fetches one chunk to its end, resuming after transient failures. */
    private void fetchChunk(int chunk) throws DownloadException, Restart {
        boolean retriedUnreachable = false;
        while (true) {
            long start = part.chunkStart(chunk) + part.done(chunk);
            long end = part.chunkEnd(chunk);
            if (start >= end || abort.get() != null) {
                return;
            }
            try {
                chunk = stream(chunk, start, end);
                if (part.done(chunk) >= part.chunkEnd(chunk) - part.chunkStart(chunk)) {
                    return;
                }
                throw new DownloadException(DownloadException.Kind.NETWORK, "the connection closed after "
                        + (part.chunkStart(chunk) + part.done(chunk)) + " of " + part.size() + " bytes of "
                        + file.path());
            } catch (DownloadException e) {
                if (abort.get() != null) {
                    return;
                }
                if (e.kind() == DownloadException.Kind.UNREACHABLE && !retriedUnreachable) {
                    retriedUnreachable = true;
                    pause(UNREACHABLE_RETRY_MILLIS);
                    continue;
                }
                if (!e.isTransient()) {
                    throw e;
                }
                int failures = failuresInARow.incrementAndGet();
                if (failures >= settings.maxAttempts()) {
                    throw e;
                }
                long millis = settings.initialBackoff().toMillis() << Math.min(failures - 1, 6);
                if (e.retryAfterSeconds() >= 0) {
                    millis = Math.max(millis, Math.min(60, e.retryAfterSeconds()) * 1000);
                }
                LOG.log(Level.WARNING, "Attempt {0} of {1} for {2} failed ({3}); retrying in {4} ms", failures,
                        settings.maxAttempts(), file.path(), e.reason(), millis);
                pause(millis);
            }
        }
    }

    private void pause(long millis) throws DownloadException {
        long deadline = System.nanoTime() + millis * 1_000_000;
        try {
            while (System.nanoTime() < deadline) {
                if (cancelled.getAsBoolean() || abort.get() != null) {
                    throw cancelledFailure();
                }
                Thread.sleep(Math.min(50, Math.max(1, (deadline - System.nanoTime()) / 1_000_000)));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw cancelledFailure();
        }
    }

    private DownloadException cancelledFailure() {
        return new DownloadException(DownloadException.Kind.CANCELLED, "the download of " + file.path()
                + " was cancelled");
    }

    /**
     * One request for the rest of a chunk, streamed into the partial file; the chunk it wrote to (the first and
     * only one once the server turned out to ignore ranges).
     */
    private int stream(int chunk, long start, long end) throws DownloadException, Restart {
        boolean whole = part.chunks() == 1 && start == 0;
        Optional<String> range = whole ? Optional.empty() : Optional.of("bytes=" + start + "-" + (end - 1));
        URI target = servedFrom != null ? servedFrom : file.uri();
        HubClient.Opened opened;
        try {
            opened = hub.open("GET", target, HubClient.sameOrigin(target, file.uri()) ? file.headers() : Map.of(),
                    range, settings.hubTimeout());
        } catch (DownloadException e) {
            if (target != file.uri() && (e.kind() == DownloadException.Kind.FORBIDDEN
                    || e.kind() == DownloadException.Kind.NOT_FOUND || e.kind() == DownloadException.Kind.UNAUTHORIZED)) {
                // A signed CDN link may expire during a long download: ask the hub for a new one.
                servedFrom = null;
                throw new DownloadException(DownloadException.Kind.NETWORK, "the link the file was served from "
                        + "stopped working (" + e.reason() + ")", e);
            }
            throw e;
        }
        openResponses.add(opened);
        try (opened) {
            if (abort.get() != null) {
                return chunk;
            }
            boolean startedOver = accept(opened, start, range.isPresent());
            int into = startedOver ? 0 : chunk;
            read(opened, into, startedOver ? 0 : start, startedOver ? part.size() : end);
            return into;
        } finally {
            openResponses.remove(opened);
        }
    }

    /**
     * Checks a response before any of its bytes are written; whether the partial file was started over for it (a
     * server that ignores ranges). The first response of the transfer decides the rest: what the file is (size,
     * SHA-256), whether the server honours ranges, and where the other connections send their requests.
     */
    private boolean accept(HubClient.Opened opened, long start, boolean ranged)
            throws DownloadException, Restart {
        int status = opened.status();
        if (status == 416) {
            throw new Restart("the server refused the range of " + file.path(), part.size(), file.sha256());
        }
        if (status != 200 && status != 206) {
            throw new DownloadException(DownloadException.Kind.IO, "unexpected status " + status + " for "
                    + file.path());
        }
        Optional<String> hubSha = opened.linkedEtag().filter(e -> SHA256.matcher(e).matches());
        if (!validated) {
            validateFirst(opened, status, hubSha);
        } else if (hubSha.isPresent() && expectedSha.isPresent() && !hubSha.equals(expectedSha)) {
            throw new Restart(file.path() + " changed on the hub during the download", part.size(), file.sha256());
        }
        boolean startedOver = false;
        if (status == 200 && (ranged || start > 0)) {
            if (validated && !singleStream && part.chunks() > 1) {
                throw new DownloadException(DownloadException.Kind.NETWORK, "the server stopped honouring ranges "
                        + "for " + file.path());
            }
            // The server ignores ranges: one stream of the whole file, started over.
            LOG.log(Level.INFO, "The server ignored the range request for {0}; starting it over in one stream",
                    file.path());
            singleStream = true;
            pending.clear();
            try {
                part.reset(part.size(), part.size(), part.sha256());
            } catch (IOException e) {
                throw new DownloadException(DownloadException.Kind.IO, "cannot start " + part.path() + " over: "
                        + e.getMessage(), e);
            }
            hasher.restart();
            startedOver = true;
        } else if (status == 206) {
            long rangeStart = opened.header("Content-Range").map(CONTENT_RANGE::matcher).filter(Matcher::matches)
                    .map(m -> Long.parseLong(m.group(1))).orElse(-1L);
            if (rangeStart != start) {
                throw new DownloadException(DownloadException.Kind.NETWORK, "the server sent " + file.path()
                        + " from offset " + rangeStart + " when asked for " + start);
            }
        }
        if (!validated) {
            servedFrom = status == 206 ? opened.uri() : null;
            validated = true;
            validatedSignal.countDown();
        }
        return startedOver;
    }

    /** The first response: the file's size and SHA-256 as the server declares them, against the plan and the part. */
    private void validateFirst(HubClient.Opened opened, int status, Optional<String> hubSha)
            throws DownloadException, Restart {
        Optional<String> sha = file.sha256().or(() -> hubSha);
        OptionalLong declared = opened.linkedSize();
        if (declared.isEmpty() && status == 206) {
            declared = opened.header("Content-Range").map(CONTENT_RANGE::matcher).filter(Matcher::matches)
                    .filter(m -> !m.group(3).equals("*")).map(m -> OptionalLong.of(Long.parseLong(m.group(3))))
                    .orElse(OptionalLong.empty());
        }
        if (declared.isEmpty() && status == 200) {
            declared = opened.header("Content-Length").filter(v -> v.matches("\\d{1,18}"))
                    .map(v -> OptionalLong.of(Long.parseLong(v))).orElse(OptionalLong.empty());
        }
        if (declared.isPresent() && declared.getAsLong() != part.size()) {
            if (sha.isEmpty()) {
                throw new DownloadException(DownloadException.Kind.VERIFICATION_FAILED, "size mismatch for "
                        + file.path() + ": expected " + part.size() + " bytes, the server serves "
                        + declared.getAsLong() + "; fix size_bytes in supported_models.json");
            }
            LOG.log(Level.WARNING, "{0}: size_bytes says {1} but the server serves {2} bytes; verifying against "
                    + "its size and SHA-256. Fix size_bytes in supported_models.json.", file.path(), part.size(),
                    declared.getAsLong());
            throw new Restart("size corrected", declared.getAsLong(), sha);
        }
        if (sha.isPresent() && part.sha256().isPresent() && !sha.equals(part.sha256())) {
            LOG.log(Level.INFO, "{0} changed on the hub since the partial download; starting it over", file.path());
            throw new Restart("remote file changed", part.size(), sha);
        }
        if (sha.isPresent()) {
            try {
                part.recordSha256(sha.get());
            } catch (IOException e) {
                throw new DownloadException(DownloadException.Kind.IO, "cannot write the chunk map of "
                        + file.path() + ": " + e.getMessage(), e);
            }
        }
        expectedSha = sha;
        repoCommit = opened.repoCommit();
    }

    /** Streams a response's body into the chunk from {@code from} to {@code end}, counting bytes as they arrive. */
    private void read(HubClient.Opened opened, int chunk, long from, long end) throws DownloadException {
        byte[] buffer = new byte[READ_BUFFER];
        long position = from;
        StallWatch watch = StallWatch.start(settings.stallTimeout(), opened);
        try (watch; InputStream in = opened.body()) {
            while (position < end) {
                if (cancelled.getAsBoolean()) {
                    throw cancelledFailure();
                }
                if (abort.get() != null) {
                    return;
                }
                int want = (int) Math.min(buffer.length, end - position);
                int n = in.read(buffer, 0, want);
                if (n < 0) {
                    break;
                }
                watch.bytesArrived();
                // Take what else is already here without blocking, so a fast link writes large blocks.
                while (n < want && in.available() > 0) {
                    int more = in.read(buffer, n, want - n);
                    if (more < 0) {
                        break;
                    }
                    n += more;
                }
                if (n == 0) {
                    continue;
                }
                if (failuresInARow.get() != 0) {
                    failuresInARow.set(0);
                }
                part.append(chunk, ByteBuffer.wrap(buffer, 0, n));
                position += n;
                progress(n);
            }
            if (position == end && part.chunks() == 1 && in.read() >= 0) {
                part.discard();
                throw new DownloadException(DownloadException.Kind.VERIFICATION_FAILED, file.path()
                        + " is larger than the expected " + part.size() + " bytes");
            }
        } catch (IOException | RuntimeException e) {
            if (abort.get() != null) {
                return;
            }
            if (watch.stalled()) {
                LOG.log(Level.WARNING, "No data for {0} in {1}; giving up on {2}", file.path(),
                        settings.stallTimeout(), opened.uri().getHost());
                throw new DownloadException(DownloadException.Kind.NETWORK_TIMEOUT, "Network timeout", e);
            }
            if (e instanceof IOException io && FileDownloader.isDiskFull(io)) {
                throw new DownloadException(DownloadException.Kind.DISK_FULL, "cannot write " + part.path() + ": "
                        + e.getMessage(), e);
            }
            throw hub.networkFailure(opened.uri(), e, settings.hubTimeout());
        }
    }

    private void progress(long bytes) {
        long total = doneBytes.addAndGet(bytes);
        if (total - reported >= PROGRESS_EVERY || System.nanoTime() - reportedAtNanos >= PROGRESS_EVERY_NANOS) {
            synchronized (reportLock) {
                if (total > reported) {
                    reported = total;
                    reportedAtNanos = System.nanoTime();
                    listener.onBytes(Math.min(total, part.size()));
                }
            }
        }
    }
}
