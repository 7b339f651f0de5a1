package dev.llmlb.host.download;

import java.util.Optional;

/**
 * A verified file at its final place.
 *
 * @param sha256     its SHA-256, computed from what was written
 * @param repoCommit the hub's {@code X-Repo-Commit} for it, when the hub sent one
 */
public record DownloadedFile(String path, long sizeBytes, String sha256, Optional<String> repoCommit) {
}
