package dev.llmlb.api.source;

import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * What the host offers a source while it plans a download. Where the source's files live (a hub, a mirror) and
 * which credentials they need are the source's own business: it reads its settings through
 * {@link dev.llmlb.api.PluginContext#setting} when it is created.
 */
public interface PlanningContext {

    /**
     * A file fetched and verified during this download (by an earlier step of the plan, or found on disk and
     * checked against what the plan said), by its relative path inside the model folder. A file that merely sits
     * at that path does not count: every plan starts by planning every file it needs, and the host keeps those
     * already on disk that match.
     */
    Optional<Path> fetchedFile(String relativePath);

    /**
     * Reads a small remote document (a listing, an index) through the host's client, which follows redirects
     * (sending {@code headers} to {@code uri}'s origin only), times out (the node's {@code LLMLB_HUB_TIMEOUT}),
     * retries transient failures and honours offline mode.
     *
     * @param uri     an absolute http(s) URI
     * @param headers request headers for {@code uri}'s origin, as for {@link RemoteFile#headers()}
     * @throws PlanningException when the document cannot be read; its message says why
     */
    RemoteDocument read(URI uri, Map<String, String> headers);

    /** The text of {@link #read read(uri, Map.of())}. */
    default String readText(URI uri) {
        return read(uri, Map.of()).text();
    }
}
