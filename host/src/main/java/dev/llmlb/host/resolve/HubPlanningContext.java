package dev.llmlb.host.resolve;

import dev.llmlb.api.source.PlanningContext;
import dev.llmlb.api.source.PlanningException;
import dev.llmlb.api.source.RemoteDocument;
import dev.llmlb.api.source.RemoteFile;
import dev.llmlb.api.source.SafePath;
import dev.llmlb.host.download.DownloadException;
import dev.llmlb.host.download.FileDownloader;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a source sees while the node plans one download: the files verified so far in this download (fetched, or
 * found on disk matching the plan), and the host's client for documents. A file that merely sits in the folder is
 * not "fetched": the source plans it, and the node decides whether the copy on disk can be kept.
 */
final class HubPlanningContext implements PlanningContext {

    private final Path folder;
    private final FileDownloader downloader;
    private final Set<String> verified = ConcurrentHashMap.newKeySet();

    HubPlanningContext(Path folder, FileDownloader downloader) {
        this.folder = folder;
        this.downloader = downloader;
    }

    /** Marks a file as verified for this download. */
    void verified(String relativePath) {
        verified.add(relativePath);
    }

    @Override
    public Optional<Path> fetchedFile(String relativePath) {
        if (!SafePath.isSafe(relativePath) || !verified.contains(relativePath)) {
            return Optional.empty();
        }
        Path file = folder.resolve(relativePath);
        return Files.isRegularFile(file) ? Optional.of(file) : Optional.empty();
    }

    @Override
    public RemoteDocument read(URI uri, Map<String, String> headers) {
        try {
            // The same checks as for a planned file: http(s) only, headers the node may send.
            new RemoteFile("document", uri, RemoteFile.UNKNOWN_SIZE, Optional.empty(), headers);
        } catch (IllegalArgumentException e) {
            throw new PlanningException("the source asked for a document the node will not read: " + e.getMessage());
        }
        try {
            return downloader.read(uri, headers);
        } catch (DownloadException e) {
            throw new PlanningException(e.reason(), e);
        }
    }
}
