package dev.llmlb.host.resolve;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmlb.api.ArtifactSpec;
import dev.llmlb.api.ModelSpec;
import dev.llmlb.api.engine.LocalModel;
import dev.llmlb.host.catalog.RelativePaths;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code <model>/manifest.json}: written last, after every file was verified, so its presence is what makes a
 * model local. A model is local only when the manifest lists every file and each has its recorded size.
 */
public record Manifest(String modelId, String source, String repoId, String revision, String format,
                       Map<String, String> properties, List<FileEntry> files, String completedAt) {

    public static final String FILE_NAME = "manifest.json";

    public Manifest {
        properties = Map.copyOf(properties);
        files = List.copyOf(files);
    }

    /** One verified file. */
    public record FileEntry(String path, long size, String sha256) {
    }

    static Optional<Manifest> read(Path folder, ObjectMapper json) {
        try {
            Manifest manifest = json.readValue(Files.readAllBytes(folder.resolve(FILE_NAME)), Manifest.class);
            boolean sane = manifest.files() != null && manifest.format() != null
                    && manifest.files().stream().allMatch(f -> RelativePaths.isSafe(f.path()));
            return sane ? Optional.of(manifest) : Optional.empty();
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Writes the manifest atomically: readers see the old one, none, or the new one, never half of it. */
    void write(Path folder, ObjectMapper json) throws IOException {
        Path temp = folder.resolve(FILE_NAME + ".tmp");
        try {
            Files.write(temp, json.writerWithDefaultPrettyPrinter().writeValueAsBytes(this));
        } catch (JsonProcessingException e) {
            throw new IOException(e);
        }
        Files.move(temp, folder.resolve(FILE_NAME), StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Whether the files on disk are those the manifest lists, at their sizes, and include those the catalog entry
     * asks for (an operator who changes an entry's artifacts gets them fetched). Listed sizes are not compared: the
     * download verified each file against the hub, whose size wins over one rounded by hand.
     */
    boolean isCompleteFor(ModelSpec spec, Path folder) {
        if (!Objects.equals(source, spec.source()) || !Objects.equals(repoId, spec.repoId())
                || !Objects.equals(revision, spec.revision())) {
            return false;
        }
        for (FileEntry file : files) {
            Path path = folder.resolve(file.path());
            try {
                if (!Files.isRegularFile(path) || Files.size(path) != file.size()) {
                    return false;
                }
            } catch (IOException e) {
                return false;
            }
        }
        for (ArtifactSpec artifact : spec.artifacts()) {
            Optional<FileEntry> entry = files.stream().filter(f -> f.path().equals(artifact.filename())).findFirst();
            if (entry.isEmpty() || artifact.sha256().isPresent() && entry.get().sha256() != null
                    && !artifact.sha256().get().equals(entry.get().sha256())) {
                return false;
            }
        }
        return true;
    }

    LocalModel toLocalModel(Path folder) {
        return new LocalModel(modelId, folder, format, files.stream().map(FileEntry::path).toList(),
                files.stream().map(FileEntry::size).toList(), properties);
    }
}
