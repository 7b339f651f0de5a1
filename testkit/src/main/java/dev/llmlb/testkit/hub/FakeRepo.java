package dev.llmlb.testkit.hub;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.stream.Stream;

/**
 * A repository of the fake hub: files on branch {@code main} (also reachable by the repository's commit sha),
 * each either a small git file or an LFS file served from the CDN, and who may read it.
 */
public final class FakeRepo {

    /** A file of the repository. */
    public record Entry(String path, Content content, boolean lfs) {
    }

    private final String id;
    private final String commit;
    private final Map<String, Entry> files = new ConcurrentSkipListMap<>();
    private volatile String requiredToken;
    private volatile boolean gated;

    FakeRepo(String id) {
        this.id = id;
        this.commit = Content.of(("commit " + id).getBytes(StandardCharsets.UTF_8)).gitSha1();
    }

    public String id() {
        return id;
    }

    /** The commit sha the hub reports in {@code X-Repo-Commit}. */
    public String commit() {
        return commit;
    }

    /** A small file stored in git: {@code 200} from the hub with the blob sha as {@code ETag}. */
    public FakeRepo file(String path, byte[] content) {
        files.put(path, new Entry(path, Content.of(content), false));
        return this;
    }

    public FakeRepo file(String path, String content) {
        return file(path, content.getBytes(StandardCharsets.UTF_8));
    }

    /** An LFS file: {@code 302} to the CDN with {@code X-Linked-Etag} (its SHA-256) and {@code X-Linked-Size}. */
    public FakeRepo lfsFile(String path, byte[] content) {
        files.put(path, new Entry(path, Content.of(content), true));
        return this;
    }

    /** An LFS file served from disk, for files too large to hold in memory. */
    public FakeRepo lfsFile(String path, Path content) {
        files.put(path, new Entry(path, Content.of(content), true));
        return this;
    }

    /**
     * Every file below {@code folder}, at its relative path: weights (the suffixes HuggingFace's default
     * {@code .gitattributes} sends to LFS) as LFS files served from disk, the rest (JSON, text) in git.
     */
    public FakeRepo folder(Path folder) {
        try (Stream<Path> walk = Files.walk(folder)) {
            for (Path file : walk.filter(Files::isRegularFile).sorted().toList()) {
                String path = folder.relativize(file).toString().replace(File.separatorChar, '/');
                if (LFS_SUFFIXES.stream().anyMatch(path::endsWith)) {
                    lfsFile(path, file);
                } else {
                    file(path, Files.readAllBytes(file));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    private static final List<String> LFS_SUFFIXES = List.of(".safetensors", ".gguf", ".onnx", ".onnx_data",
            ".bin", ".pt", ".pth", ".h5", ".msgpack", ".model");

    /** Removes a file, as a later commit would. */
    public FakeRepo remove(String path) {
        files.remove(path);
        return this;
    }

    /** Makes the repository private: only {@code Authorization: Bearer <token>} may read it (else 401). */
    public FakeRepo requireToken(String token) {
        this.requiredToken = token;
        return this;
    }

    /** Makes the repository gated: even a valid token gets 403 until access is granted. */
    public FakeRepo gated(boolean gated) {
        this.gated = gated;
        return this;
    }

    Optional<Entry> entry(String path) {
        return Optional.ofNullable(files.get(path));
    }

    Map<String, Entry> files() {
        return files;
    }

    Optional<String> requiredToken() {
        return Optional.ofNullable(requiredToken);
    }

    boolean isGated() {
        return gated;
    }

    boolean hasRevision(String revision) {
        return revision.equals("main") || revision.equals(commit);
    }
}
