package dev.llmlb.host.download;

/**
 * A verified file at its final place.
 *
 * @param sha256 its SHA-256, computed while it streamed
 */
public record DownloadedFile(String path, long sizeBytes, String sha256) {
}
