package dev.llmlb.host.download;

import dev.llmlb.api.source.RemoteFile;

import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Transfers one file: streamed to a partial file (never to the final name) with a fixed buffer, hashed while it
 * streams, resumed with {@code Range} after a dropped connection or a restart, started over when the server
 * ignores the range, retried with backoff on transient failures, verified (size and SHA-256) and only then moved
 * atomically into place.
 */
public final class FileDownloader implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(FileDownloader.class.getName());
    private static final long PROGRESS_EVERY = 256L << 10;
    private static final long DISK_MARGIN = 16L << 20;
    private static final int MAX_TEXT = 16 << 20;
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");

    private final DownloadSettings settings;
    private final HubClient hub;

    public FileDownloader(DownloadSettings settings) {
        this.settings = settings;
        this.hub = new HubClient(settings);
    }

    /** The file's size as the server declares it ({@code X-Linked-Size}, else {@code Content-Length}). */
    public long probeSize(RemoteFile file) throws DownloadException {
        try (HubClient.Opened head = hub.open("HEAD", file.uri(), Optional.empty())) {
            if (head.linkedSize().isPresent()) {
                return head.linkedSize().getAsLong();
            }
            return head.header("Content-Length").map(Long::parseLong).orElseThrow(() ->
                    new DownloadException(DownloadException.Kind.IO, "the hub declares no size for " + file.path()));
        }
    }

    /** A small document (a tree listing, an index), as text. */
    public String readText(URI uri) throws DownloadException {
        for (int attempt = 1; ; attempt++) {
            try (HubClient.Opened opened = hub.open("GET", uri, Optional.empty());
                 InputStream in = opened.body()) {
                byte[] body = in.readNBytes(MAX_TEXT + 1);
                if (body.length > MAX_TEXT) {
                    throw new DownloadException(DownloadException.Kind.IO, uri + " is larger than " + MAX_TEXT
                            + " bytes");
                }
                return new String(body, StandardCharsets.UTF_8);
            } catch (DownloadException e) {
                if (!e.isTransient() || attempt >= settings.maxAttempts()) {
                    throw e;
                }
                backoff(attempt, uri.getPath(), e);
            } catch (IOException | RuntimeException e) {
                DownloadException failure = HubClient.networkFailure(uri, e);
                if (!failure.isTransient() || attempt >= settings.maxAttempts()) {
                    throw failure;
                }
                backoff(attempt, uri.getPath(), failure);
            }
        }
    }

    /**
     * Fetches {@code file} into {@code target} through {@code partial}.
     *
     * @param cancelled checked for every buffer; when it turns true the transfer stops and the partial file stays
     */
    public DownloadedFile download(RemoteFile file, Path partial, Path target, ProgressListener listener,
                                   BooleanSupplier cancelled) throws DownloadException {
        Path meta = partial.resolveSibling(partial.getFileName() + ".meta");
        try {
            Files.createDirectories(partial.toAbsolutePath().getParent());
            Files.createDirectories(target.toAbsolutePath().getParent());
        } catch (IOException e) {
            throw new DownloadException(DownloadException.Kind.IO, "cannot create " + partial.getParent() + ": "
                    + e.getMessage(), e);
        }
        // Attempts count failures in a row without progress: a flaky link that keeps adding bytes is not given up.
        int failures = 0;
        long onDisk = length(partial);
        while (true) {
            try {
                return attempt(file, partial, meta, target, listener, cancelled);
            } catch (DownloadException e) {
                long now = length(partial);
                if (now > onDisk) {
                    failures = 0;
                    onDisk = now;
                }
                failures++;
                if (!e.isTransient() || failures >= settings.maxAttempts()) {
                    throw e;
                }
                backoff(failures, file.path(), e);
            }
        }
    }

    private static long length(Path file) {
        try {
            return Files.exists(file) ? Files.size(file) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    private DownloadedFile attempt(RemoteFile file, Path partial, Path meta, Path target,
                                   ProgressListener listener, BooleanSupplier cancelled) throws DownloadException {
        long have = resumableLength(partial, meta, file);
        Optional<String> range = have > 0 ? Optional.of("bytes=" + have + "-") : Optional.empty();
        try (HubClient.Opened opened = hub.open("GET", file.uri(), range)) {
            int status = opened.status();
            if (have > 0 && status == 200) {
                LOG.log(Level.INFO, "The server ignored the range request for {0}; starting it over", file.path());
                have = 0;
            } else if (have > 0 && status == 206 && rangeStart(opened) != have) {
                LOG.log(Level.WARNING, "The server resumed {0} at the wrong offset; starting it over", file.path());
                truncate(partial, meta);
                throw new DownloadException(DownloadException.Kind.NETWORK, "wrong Content-Range for " + file.path());
            } else if (status == 416) {
                truncate(partial, meta);
                throw new DownloadException(DownloadException.Kind.NETWORK, "the server refused the range for "
                        + file.path());
            } else if (have == 0 && status != 200) {
                throw new DownloadException(DownloadException.Kind.IO, "unexpected status " + status + " for "
                        + file.path());
            }
            Optional<String> sha256 = file.sha256().or(() -> opened.linkedEtag().filter(e -> SHA256.matcher(e)
                    .matches()));
            long size = expectedSize(file, opened, have, status, sha256);
            if (have > 0 && status == 206 && !readMeta(meta).map(m -> m.sha256().equals(sha256) && m.size() == size)
                    .orElse(false)) {
                LOG.log(Level.INFO, "{0} changed on the hub since the partial download; starting it over",
                        file.path());
                truncate(partial, meta);
                throw new DownloadException(DownloadException.Kind.NETWORK, "remote file changed: " + file.path());
            }
            writeMeta(meta, size, sha256);
            ensureSpace(partial, size - have);
            return stream(file, opened, partial, meta, target, have, size, sha256, listener, cancelled);
        }
    }

    private DownloadedFile stream(RemoteFile file, HubClient.Opened opened, Path partial, Path meta, Path target,
                                  long have, long size, Optional<String> sha256, ProgressListener listener,
                                  BooleanSupplier cancelled) throws DownloadException {
        MessageDigest digest = sha256Digest();
        long written = have;
        try (FileChannel out = FileChannel.open(partial, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            if (have > 0) {
                hashExisting(partial, have, digest);
            }
            out.truncate(have);
            out.position(have);
            long reported = written;
            StallWatch watch = StallWatch.start(settings.stallTimeout(), opened);
            try (watch; InputStream in = opened.body(); HashingWriter writer = new HashingWriter(out, digest)) {
                while (true) {
                    if (cancelled.getAsBoolean()) {
                        throw new DownloadException(DownloadException.Kind.CANCELLED, "the download of "
                                + file.path() + " was cancelled");
                    }
                    byte[] buffer = writer.buffer();
                    int n = 0;
                    IOException dropped = null;
                    try {
                        for (int r; n < buffer.length && (r = in.read(buffer, n, buffer.length - n)) >= 0; ) {
                            n += r;
                        }
                    } catch (IOException | RuntimeException e) {
                        // Keep what arrived before the connection failed: the next attempt resumes after it.
                        dropped = e instanceof IOException io ? io : new IOException(e);
                    }
                    if (n == 0) {
                        writer.release(buffer);
                        if (dropped != null) {
                            throw dropped;
                        }
                        break;
                    }
                    watch.bytesArrived();
                    if (written + n > size) {
                        writer.release(buffer);
                        writer.finish();
                        throw verification(partial, meta, file.path() + " is larger than the expected " + size
                                + " bytes");
                    }
                    writer.submit(buffer, n);
                    written += n;
                    if (written - reported >= PROGRESS_EVERY) {
                        reported = written;
                        listener.onBytes(written);
                    }
                    if (dropped != null) {
                        throw dropped;
                    }
                }
                writer.finish();
            } catch (IOException | RuntimeException e) {
                DownloadException failure = watch.stalled()
                        ? new DownloadException(DownloadException.Kind.NETWORK_TIMEOUT, "Network timeout", e)
                        : HubClient.networkFailure(file.uri(), e);
                if (failure.kind() == DownloadException.Kind.NETWORK_TIMEOUT) {
                    LOG.log(Level.WARNING, "No data for {0} in {1}; giving up on {2}", file.path(),
                            settings.stallTimeout(), file.uri().getHost());
                }
                throw failure;
            }
            listener.onBytes(written);
            if (written < size) {
                throw new DownloadException(DownloadException.Kind.NETWORK, "the connection closed after "
                        + written + " of " + size + " bytes of " + file.path());
            }
            out.force(false);
        } catch (IOException e) {
            throw new DownloadException(diskFull(e) ? DownloadException.Kind.DISK_FULL : DownloadException.Kind.IO,
                    "cannot write " + partial + ": " + e.getMessage(), e);
        }
        String actual = HexFormat.of().formatHex(digest.digest());
        if (sha256.isPresent() && !sha256.get().equals(actual)) {
            throw verification(partial, meta, "checksum mismatch for " + file.path() + ": expected sha256 "
                    + sha256.get() + ", got " + actual);
        }
        try {
            Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            Files.deleteIfExists(meta);
        } catch (IOException e) {
            throw new DownloadException(DownloadException.Kind.IO, "cannot move " + partial + " to " + target + ": "
                    + e.getMessage(), e);
        }
        return new DownloadedFile(file.path(), written, actual);
    }

    /** Bytes of a partial file that may be resumed: only when its sidecar says it is the same remote file. */
    private long resumableLength(Path partial, Path meta, RemoteFile file) throws DownloadException {
        try {
            if (!Files.exists(partial)) {
                Files.deleteIfExists(meta);
                return 0;
            }
            Optional<Meta> saved = readMeta(meta);
            // The partial must be of the same remote file: the planned checksum, else the size (or, when the hub
            // corrected the planned size, the hub's checksum, checked again once the hub answers).
            boolean same = saved.isPresent()
                    && (file.sha256().isEmpty() || saved.get().sha256().equals(file.sha256()))
                    && (file.sizeBytes() == RemoteFile.UNKNOWN_SIZE || saved.get().size() == file.sizeBytes()
                    || saved.get().sha256().isPresent());
            if (!same) {
                truncate(partial, meta);
                return 0;
            }
            long length = Files.size(partial);
            if (length > saved.get().size()) {
                truncate(partial, meta);
                return 0;
            }
            if (length > 0) {
                LOG.log(Level.INFO, "Resuming {0} at {1} of {2} bytes", file.path(), length, saved.get().size());
            }
            return length;
        } catch (IOException e) {
            throw new DownloadException(DownloadException.Kind.IO, "cannot read " + partial + ": " + e.getMessage(), e);
        }
    }

    private static long rangeStart(HubClient.Opened opened) {
        return opened.header("Content-Range").map(CONTENT_RANGE::matcher).filter(Matcher::matches)
                .map(m -> Long.parseLong(m.group(1))).orElse(-1L);
    }

    /**
     * The size to verify against: the planned one, else the server's. When both are known and differ, the
     * server's wins if a SHA-256 will prove the content (catalog sizes are often rounded by hand), else the
     * transfer fails.
     */
    private static long expectedSize(RemoteFile file, HubClient.Opened opened, long have, int status,
                                     Optional<String> sha256) throws DownloadException {
        OptionalLong declared = opened.linkedSize();
        if (declared.isEmpty() && status == 206) {
            declared = opened.header("Content-Range").map(CONTENT_RANGE::matcher).filter(Matcher::matches)
                    .filter(m -> !m.group(3).equals("*")).map(m -> OptionalLong.of(Long.parseLong(m.group(3))))
                    .orElse(OptionalLong.empty());
        }
        if (declared.isEmpty()) {
            declared = opened.header("Content-Length").map(Long::parseLong)
                    .map(length -> OptionalLong.of(status == 206 ? length + have : length))
                    .orElse(OptionalLong.empty());
        }
        if (file.sizeBytes() == RemoteFile.UNKNOWN_SIZE) {
            return declared.orElseThrow(() -> new DownloadException(DownloadException.Kind.IO,
                    "the server declares no size for " + file.path()));
        }
        if (declared.isPresent() && declared.getAsLong() != file.sizeBytes()) {
            if (sha256.isEmpty()) {
                throw new DownloadException(DownloadException.Kind.VERIFICATION_FAILED, "size mismatch for "
                        + file.path() + ": expected " + file.sizeBytes() + " bytes, the hub serves "
                        + declared.getAsLong() + "; fix size_bytes in supported_models.json");
            }
            LOG.log(Level.WARNING, "{0}: size_bytes says {1} but the hub serves {2} bytes; verifying against the "
                    + "hub''s size and SHA-256. Fix size_bytes in supported_models.json.", file.path(),
                    file.sizeBytes(), declared.getAsLong());
            return declared.getAsLong();
        }
        return file.sizeBytes();
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

    private static void hashExisting(Path partial, long length, MessageDigest digest) throws IOException {
        try (InputStream in = Files.newInputStream(partial)) {
            byte[] buffer = new byte[HashingWriter.BUFFER];
            long left = length;
            while (left > 0) {
                int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
                if (n < 0) {
                    throw new IOException("partial file shrank while resuming");
                }
                digest.update(buffer, 0, n);
                left -= n;
            }
        }
    }

    private DownloadException verification(Path partial, Path meta, String reason) {
        truncate(partial, meta);
        LOG.log(Level.ERROR, "Verification failed: {0}", reason);
        return new DownloadException(DownloadException.Kind.VERIFICATION_FAILED, reason);
    }

    private static void truncate(Path partial, Path meta) {
        try {
            Files.deleteIfExists(partial);
            Files.deleteIfExists(meta);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "Cannot delete {0}: {1}", partial, e.getMessage());
        }
    }

    private record Meta(long size, Optional<String> sha256) {
    }

    private static void writeMeta(Path meta, long size, Optional<String> sha256) throws DownloadException {
        try {
            Files.writeString(meta, "size=" + size + "\nsha256=" + sha256.orElse("") + "\n");
        } catch (IOException e) {
            throw new DownloadException(diskFull(e) ? DownloadException.Kind.DISK_FULL : DownloadException.Kind.IO,
                    "cannot write " + meta + ": " + e.getMessage(), e);
        }
    }

    private static Optional<Meta> readMeta(Path meta) {
        try {
            long size = -1;
            Optional<String> sha = Optional.empty();
            for (String line : Files.readAllLines(meta)) {
                if (line.startsWith("size=")) {
                    size = Long.parseLong(line.substring(5));
                } else if (line.startsWith("sha256=") && line.length() > 7) {
                    sha = Optional.of(line.substring(7));
                }
            }
            return size >= 0 ? Optional.of(new Meta(size, sha)) : Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static boolean diskFull(IOException e) {
        String message = String.valueOf(e.getMessage());
        return message.contains("No space left") || message.contains("Disk quota");
    }

    private void backoff(int attempt, String what, DownloadException cause) throws DownloadException {
        long millis = settings.initialBackoff().toMillis() << Math.min(attempt - 1, 6);
        if (cause.retryAfterSeconds() >= 0) {
            millis = Math.max(millis, Math.min(60, cause.retryAfterSeconds()) * 1000);
        }
        LOG.log(Level.WARNING, "Attempt {0} of {1} for {2} failed ({3}); retrying in {4} ms", attempt,
                settings.maxAttempts(), what, cause.reason(), millis);
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DownloadException(DownloadException.Kind.CANCELLED, "interrupted while retrying " + what);
        }
    }

    private static MessageDigest sha256Digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        hub.close();
    }
}
