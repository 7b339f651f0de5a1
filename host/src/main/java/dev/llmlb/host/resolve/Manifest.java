package dev.llmlb.host.resolve;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmlb.api.ArtifactSpec;
import dev.llmlb.api.ModelSpec;
import dev.llmlb.api.engine.LocalModel;
import dev.llmlb.api.source.SafePath;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code <model>/manifest.json}: what makes a model local. It is written last, from a complete plan, flushed to
 * disk, and lists every file of the model (path, size, SHA-256, when it was last written) with the repository
 * commit they came from and the catalog entry they were fetched for. A model is local only while its catalog entry
 * is still the one recorded (source, repository, revision, the listed artifacts with their sizes and SHA-256) and
 * every file is there at its recorded size; both checks cost one stat per file, so callers may repeat them before
 * every load to notice files another process deleted.
 *
 * @param formatVersion {@link #VERSION}; a manifest of an older version is not trusted
 * @param commit        the hub's commit ({@code X-Repo-Commit}) the files were fetched at, when the hub said
 * @param catalog       the entry's artifacts as listed when the model was fetched
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Manifest(int formatVersion, String modelId, String source, String repoId, String revision,
                       String commit, List<Listed> catalog, String format, Map<String, String> properties,
                       List<FileEntry> files, String completedAt) {

    public static final String FILE_NAME = SafePath.MANIFEST;
    /** Version 2 records the catalog entry and every file (version 1 listed only the files of its last run). */
    public static final int VERSION = 2;

    public Manifest {
        properties = properties == null ? Map.of() : Map.copyOf(properties);
        files = files == null ? List.of() : List.copyOf(files);
        catalog = catalog == null ? List.of() : List.copyOf(catalog);
    }

    /**
     * One verified file.
     *
     * @param modifiedMillis its last-modified time when verified: an unchanged size and time let a later fetch
     *                       trust {@code sha256} instead of hashing the file again
     */
    public record FileEntry(String path, long size, String sha256, long modifiedMillis) {
    }

    /** An artifact as the catalog listed it. */
    public record Listed(String filename, long sizeBytes, String sha256) {

        static List<Listed> of(ModelSpec spec) {
            return spec.artifacts().stream().map(Listed::of).toList();
        }

        private static Listed of(ArtifactSpec artifact) {
            return new Listed(artifact.filename(), artifact.sizeBytes(), artifact.sha256().orElse(null));
        }
    }

    /** The manifest in {@code folder}, when there is a readable one whose paths are all safe. */
    static Optional<Manifest> read(Path folder, ObjectMapper json) {
        return readFile(folder.resolve(FILE_NAME), json);
    }

    /** A manifest file, when it is readable and its paths are all safe. */
    static Optional<Manifest> readFile(Path file, ObjectMapper json) {
        try {
            Manifest manifest = json.readValue(Files.readAllBytes(file), Manifest.class);
            boolean sane = manifest.format() != null
                    && manifest.files().stream().allMatch(f -> f.path() != null && SafePath.isSafe(f.path()));
            return sane ? Optional.of(manifest) : Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * Writes the manifest through a temporary file in {@code partials} (the node's own folder, which no model file
     * may use), flushed, then moved into place atomically and the folder flushed: readers see the old manifest,
     * none, or the new one, and after a crash the manifest is either whole or absent.
     */
    void write(Path folder, Path partials, ObjectMapper json) throws IOException {
        Files.createDirectories(partials);
        Path temp = partials.resolve(FILE_NAME + ".tmp");
        byte[] bytes = json.writerWithDefaultPrettyPrinter().writeValueAsBytes(this);
        try (FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) {
                out.write(buffer);
            }
            out.force(true);
        }
        Files.move(temp, folder.resolve(FILE_NAME), StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
        syncFolder(folder);
    }

    /** Flushes a folder's entries (the rename) to disk, where the platform allows opening a folder. */
    static void syncFolder(Path folder) {
        try (FileChannel dir = FileChannel.open(folder, StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException | RuntimeException e) {
            // Not every platform lets a folder be opened; the rename is atomic either way.
        }
    }

    /**
     * Whether this manifest makes {@code spec} local: written by this version for the same catalog entry, and every
     * file still there at its recorded size. No network, no hashing.
     */
    boolean isCompleteFor(ModelSpec spec, Path folder) {
        if (formatVersion != VERSION || !Objects.equals(modelId, spec.id()) || !Objects.equals(source, spec.source())
                || !Objects.equals(repoId, spec.repoId()) || !Objects.equals(revision, spec.revision())
                || !catalog.equals(Listed.of(spec)) || files.isEmpty()) {
            return false;
        }
        for (FileEntry file : files) {
            try {
                Path path = folder.resolve(file.path());
                if (!Files.isRegularFile(path) || Files.size(path) != file.size()) {
                    return false;
                }
            } catch (IOException e) {
                return false;
            }
        }
        for (ArtifactSpec artifact : spec.artifacts()) {
            Optional<FileEntry> entry = entry(artifact.filename());
            if (entry.isEmpty() || artifact.sha256().isPresent()
                    && !artifact.sha256().get().equals(entry.get().sha256())) {
                return false;
            }
        }
        return true;
    }

    Optional<FileEntry> entry(String path) {
        return files.stream().filter(f -> f.path().equals(path)).findFirst();
    }

    /** The SHA-256 recorded for {@code path}, if the file still has the size and time it had then. */
    Optional<String> rememberedSha256(String path, long size, long modifiedMillis) {
        return entry(path).filter(e -> e.sha256() != null && e.size() == size && e.modifiedMillis() == modifiedMillis)
                .map(FileEntry::sha256);
    }

    LocalModel toLocalModel(Path folder) {
        return new LocalModel(modelId, folder, format, files.stream().map(FileEntry::path).toList(),
                files.stream().map(FileEntry::size).toList(), properties);
    }
}
