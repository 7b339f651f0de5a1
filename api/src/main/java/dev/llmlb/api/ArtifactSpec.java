package dev.llmlb.api;

import dev.llmlb.api.source.SafePath;

import java.util.Locale;
import java.util.Optional;

/**
 * A file the operator listed for a model.
 *
 * @param filename  the path inside the repository, also the path inside the model's folder; must pass
 *                  {@link SafePath}
 * @param sizeBytes the expected size; positive
 * @param sha256    the expected SHA-256 as 64 lower-case hex digits, when the operator knows it
 */
public record ArtifactSpec(String filename, long sizeBytes, Optional<String> sha256) {

    public ArtifactSpec {
        SafePath.require(filename);
        sha256 = sha256 == null ? Optional.empty() : sha256.map(s -> s.toLowerCase(Locale.ROOT));
    }

    public ArtifactSpec(String filename, long sizeBytes) {
        this(filename, sizeBytes, Optional.empty());
    }
}
