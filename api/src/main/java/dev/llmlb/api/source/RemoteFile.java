package dev.llmlb.api.source;

import java.net.URI;
import java.util.Objects;
import java.util.Optional;

/**
 * A file to fetch.
 *
 * @param path      where it goes, relative to the model's folder; the host refuses absolute paths and {@code ..}
 * @param uri       where it comes from; the hub token is sent only when its host is the hub's host
 * @param sizeBytes the expected size, or {@link #UNKNOWN_SIZE} to take it from the server
 * @param sha256    the expected SHA-256 (64 lower-case hex digits) when known; otherwise the host uses the
 *                  hub's {@code X-Linked-Etag} when that is a SHA-256
 */
public record RemoteFile(String path, URI uri, long sizeBytes, Optional<String> sha256) {

    public static final long UNKNOWN_SIZE = -1;

    public RemoteFile {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(uri, "uri");
        sha256 = sha256 == null ? Optional.empty() : sha256.map(s -> s.toLowerCase(java.util.Locale.ROOT));
        if (sizeBytes < 0 && sizeBytes != UNKNOWN_SIZE) {
            throw new IllegalArgumentException("size must be >= 0 or UNKNOWN_SIZE: " + sizeBytes);
        }
    }
}
