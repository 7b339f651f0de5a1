package dev.llmlb.host.resolve;

import dev.llmlb.api.source.PlanningContext;
import dev.llmlb.api.source.PlanningException;
import dev.llmlb.host.catalog.RelativePaths;
import dev.llmlb.host.download.DownloadException;
import dev.llmlb.host.download.FileDownloader;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** What a source sees while planning: the hub, the files fetched so far, and the host's client for documents. */
final class HubPlanningContext implements PlanningContext {

    private final URI hub;
    private final Path folder;
    private final FileDownloader downloader;

    HubPlanningContext(URI hub, Path folder, FileDownloader downloader) {
        this.hub = hub;
        this.folder = folder;
        this.downloader = downloader;
    }

    @Override
    public URI hubEndpoint() {
        return hub;
    }

    @Override
    public Optional<Path> fetchedFile(String relativePath) {
        if (!RelativePaths.isSafe(relativePath)) {
            return Optional.empty();
        }
        Path file = folder.resolve(relativePath);
        return Files.isRegularFile(file) ? Optional.of(file) : Optional.empty();
    }

    @Override
    public String readText(URI uri) {
        try {
            return downloader.readText(uri);
        } catch (DownloadException e) {
            throw new PlanningException(e.reason(), e);
        }
    }
}
