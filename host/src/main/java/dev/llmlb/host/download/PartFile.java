package dev.llmlb.host.download;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * An unfinished download: the data file ({@code <path>.part}, written in place at each byte's offset) and its
 * chunk map beside it ({@code <path>.part.chunks}), which says for each chunk of the file how many bytes from its
 * start are on disk. A dropped connection or a restart resumes each chunk where its map entry says, so at most the
 * bytes written since the entry was last saved (a few hundred kilobytes per connection) are fetched twice.
 *
 * <p>One writer at a time: the data file is held under an exclusive OS lock for as long as it is open. When another
 * live process still holds {@code <path>.part} (one that lost the model's lock while paused, see
 * {@code DownloadLock}), this writer starts a file of its own ({@code <path>.part.1}, ...) instead of sharing it.
 * Everything is written through the open files, never by path, so such a process writes only into its own files,
 * and it deletes or moves them only while they are still the ones it opened.
 *
 * <p>Map layout: an 80-byte header ({@code LLMLBCK1}, size, chunk size, SHA-256 flag and bytes, chunk count), then
 * one 8-byte count of bytes done per chunk.
 */
final class PartFile implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(PartFile.class.getName());
    private static final byte[] MAGIC = "LLMLBCK1".getBytes(StandardCharsets.US_ASCII);
    private static final int HEADER = 80;
    /** How far a chunk runs ahead of its saved map entry: what a crash may cost per connection. */
    private static final long SAVE_EVERY = 256L << 10;
    private static final int MAX_ALTERNATES = 8;

    private final Path path;
    private final FileLocks.Held lock;
    private final FileChannel data;
    private final FileChannel map;
    private final Object fileKey;
    private long size;
    private long chunkSize;
    private Optional<String> sha256;
    private AtomicLongArray done;
    private AtomicLongArray saved;
    private boolean closed;

    private PartFile(Path path, FileLocks.Held lock, FileChannel map) throws IOException {
        this.path = path;
        this.lock = lock;
        this.data = lock.channel();
        this.map = map;
        this.fileKey = Files.readAttributes(path, BasicFileAttributes.class).fileKey();
    }

    /**
     * Opens the partial download at {@code canonical} for a file of {@code size} bytes, resuming what its map
     * records when the map is of the same file (size, and SHA-256 when both are known), else starting it over with
     * chunks of {@code chunkSize} bytes.
     */
    static PartFile open(Path canonical, long size, long chunkSize, Optional<String> sha256) throws IOException {
        Files.createDirectories(canonical.toAbsolutePath().getParent());
        for (int n = 0; n <= MAX_ALTERNATES; n++) {
            Path candidate = n == 0 ? canonical : canonical.resolveSibling(canonical.getFileName() + "." + n);
            Optional<FileLocks.Held> held = FileLocks.tryExclusive(candidate);
            if (held.isEmpty()) {
                if (n == 0) {
                    LOG.log(Level.WARNING, "{0} is still open in another process; writing {1} instead", canonical,
                            canonical.getFileName() + ".1 (or next free)");
                }
                continue;
            }
            PartFile part;
            try {
                part = new PartFile(candidate, held.get(), FileChannel.open(mapOf(candidate), StandardOpenOption.CREATE,
                        StandardOpenOption.READ, StandardOpenOption.WRITE));
            } catch (IOException | RuntimeException e) {
                held.get().close();
                throw e;
            }
            try {
                if (n > 0 || !part.load(size, sha256)) {
                    part.reset(size, chunkSize, sha256);
                }
                return part;
            } catch (IOException | RuntimeException e) {
                part.close();
                throw e;
            }
        }
        throw new IOException("every partial file for " + canonical + " is open in another process");
    }

    private static Path mapOf(Path data) {
        return data.resolveSibling(data.getFileName() + ".chunks");
    }

    /** Reads the map; whether it describes this file and can be resumed. */
    private boolean load(long expectedSize, Optional<String> expectedSha) throws IOException {
        if (map.size() < HEADER) {
            return false;
        }
        ByteBuffer header = ByteBuffer.allocate(HEADER);
        readFully(map, header, 0);
        header.flip();
        byte[] magic = new byte[MAGIC.length];
        header.get(magic);
        long mapSize = header.getLong();
        long mapChunk = header.getLong();
        boolean hasSha = header.get() != 0;
        header.position(32);
        byte[] sha = new byte[32];
        header.get(sha);
        int count = header.getInt(64);
        Optional<String> mapSha = hasSha ? Optional.of(HexFormat.of().formatHex(sha)) : Optional.empty();
        if (!java.util.Arrays.equals(magic, MAGIC) || mapSize != expectedSize || mapChunk <= 0
                || count != chunkCount(mapSize, mapChunk) || map.size() < HEADER + 8L * count
                || mapSha.isPresent() && expectedSha.isPresent() && !mapSha.equals(expectedSha)) {
            return false;
        }
        size = mapSize;
        chunkSize = mapChunk;
        sha256 = mapSha.or(() -> expectedSha);
        done = new AtomicLongArray(count);
        saved = new AtomicLongArray(count);
        ByteBuffer entries = ByteBuffer.allocate(8 * count);
        readFully(map, entries, HEADER);
        entries.flip();
        long length = data.size();
        for (int i = 0; i < count; i++) {
            long n = entries.getLong();
            if (n < 0 || n > chunkEnd(i) - chunkStart(i) || n > 0 && chunkStart(i) + n > length) {
                return false;
            }
            done.set(i, n);
            saved.set(i, n);
        }
        if (doneTotal() > 0) {
            LOG.log(Level.INFO, "Resuming {0} at {1} of {2} bytes", path.getFileName(), doneTotal(), size);
        }
        return true;
    }

    /** Starts over: nothing done, chunks of {@code newChunkSize} bytes for a file of {@code newSize}. */
    synchronized void reset(long newSize, long newChunkSize, Optional<String> newSha) throws IOException {
        size = newSize;
        chunkSize = Math.max(1, Math.min(newChunkSize, Math.max(1, newSize)));
        sha256 = newSha;
        int count = chunkCount(size, chunkSize);
        done = new AtomicLongArray(count);
        saved = new AtomicLongArray(count);
        data.truncate(0);
        map.truncate(0);
        writeHeader();
        map.write(ByteBuffer.allocate(8 * count), HEADER);
    }

    private void writeHeader() throws IOException {
        ByteBuffer header = ByteBuffer.allocate(HEADER);
        header.put(MAGIC).putLong(size).putLong(chunkSize).put((byte) (sha256.isPresent() ? 1 : 0));
        header.position(32);
        header.put(sha256.map(HexFormat.of()::parseHex).orElse(new byte[32]));
        header.putInt(64, chunkCount(size, chunkSize));
        header.position(HEADER).flip();
        writeFully(map, header, 0);
    }

    private static int chunkCount(long size, long chunk) {
        return (int) Math.max(1, (size + chunk - 1) / chunk);
    }

    Path path() {
        return path;
    }

    long size() {
        return size;
    }

    int chunks() {
        return done.length();
    }

    long chunkStart(int chunk) {
        return chunk * chunkSize;
    }

    /** The end of the chunk, exclusive. */
    long chunkEnd(int chunk) {
        return Math.min(size, (chunk + 1) * chunkSize);
    }

    long done(int chunk) {
        return done.get(chunk);
    }

    long doneTotal() {
        long total = 0;
        for (int i = 0; i < done.length(); i++) {
            total += done.get(i);
        }
        return total;
    }

    /** How many bytes from the start of the file are on disk without a gap. */
    long contiguous() {
        for (int i = 0; i < done.length(); i++) {
            if (done.get(i) < chunkEnd(i) - chunkStart(i)) {
                return chunkStart(i) + done.get(i);
            }
        }
        return size;
    }

    boolean isComplete() {
        return contiguous() == size;
    }

    /** The SHA-256 the file must have, when known (planned, or the hub's when the map was started). */
    synchronized Optional<String> sha256() {
        return sha256;
    }

    /** Records the SHA-256 the hub declared, so that a resume can tell the file changed on the hub. */
    synchronized void recordSha256(String sha) throws IOException {
        if (sha256.isEmpty()) {
            sha256 = Optional.of(sha);
            writeHeader();
        }
    }

    /** Writes bytes of chunk {@code chunk} at its next offset and counts them as done. */
    void append(int chunk, ByteBuffer bytes) throws IOException {
        long position = chunkStart(chunk) + done.get(chunk);
        int n = bytes.remaining();
        if (position + n > chunkEnd(chunk)) {
            throw new IOException("more bytes than chunk " + chunk + " of " + path.getFileName() + " holds");
        }
        writeFully(data, bytes, position);
        long now = done.addAndGet(chunk, n);
        if (now - saved.get(chunk) >= SAVE_EVERY || now == chunkEnd(chunk) - chunkStart(chunk)) {
            save(chunk);
        }
    }

    /** Saves the chunk's count of done bytes (after its bytes were written, so a crash never overstates it). */
    void save(int chunk) throws IOException {
        long value;
        synchronized (this) {
            value = done.get(chunk);
            if (value == saved.get(chunk)) {
                return;
            }
            ByteBuffer entry = ByteBuffer.allocate(8).putLong(0, value);
            writeFully(map, entry, HEADER + 8L * chunk);
            saved.set(chunk, value);
        }
    }

    void saveAll() throws IOException {
        for (int i = 0; i < done.length(); i++) {
            save(i);
        }
    }

    /** Reads bytes of the data file at {@code position}; what the hasher re-reads behind the writers. */
    int read(ByteBuffer into, long position) throws IOException {
        return data.read(into, position);
    }

    /** Flushes the data to the disk. */
    void force() throws IOException {
        data.force(false);
    }

    /** Moves the finished data file to {@code target} (atomically, replacing it) and removes the map. */
    void moveTo(Path target) throws IOException {
        if (!isStillMine()) {
            throw new IOException(path + " was replaced by another process");
        }
        Files.createDirectories(target.toAbsolutePath().getParent());
        Files.move(path, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        Files.deleteIfExists(mapOf(path));
    }

    /** Deletes the data file and its map, if they are still the ones this writer opened. */
    void discard() {
        try {
            if (isStillMine()) {
                Files.deleteIfExists(path);
                Files.deleteIfExists(mapOf(path));
            }
        } catch (IOException e) {
            LOG.log(Level.WARNING, "Cannot delete {0}: {1}", path, e.getMessage());
        }
    }

    private boolean isStillMine() throws IOException {
        try {
            return Objects.equals(fileKey, Files.readAttributes(path, BasicFileAttributes.class).fileKey());
        } catch (NoSuchFileException e) {
            return false;
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        try {
            if (map.isOpen()) {
                saveAll();
            }
        } catch (IOException e) {
            LOG.log(Level.WARNING, "Cannot save the chunk map of {0}: {1}", path, e.getMessage());
        }
        try {
            map.close();
        } catch (IOException e) {
            // nothing more to release
        }
        lock.close();
    }

    private static void writeFully(FileChannel channel, ByteBuffer bytes, long position) throws IOException {
        long at = position;
        while (bytes.hasRemaining()) {
            at += channel.write(bytes, at);
        }
    }

    private static void readFully(FileChannel channel, ByteBuffer into, long position) throws IOException {
        long at = position;
        while (into.hasRemaining()) {
            int n = channel.read(into, at);
            if (n < 0) {
                throw new IOException("unexpected end of " + channel);
            }
            at += n;
        }
    }
}
