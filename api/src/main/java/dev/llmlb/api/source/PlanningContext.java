package dev.llmlb.api.source;

import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What the host offers a source while it plans a download.
 */
public interface PlanningContext {

    /** The hub to fetch from: {@code HF_ENDPOINT}, by default {@code https://huggingface.co}, no trailing slash. */
    URI hubEndpoint();

    /**
     * A file fetched and verified by an earlier step of this plan (or an earlier, complete download), by its
     * relative path inside the model folder.
     */
    Optional<Path> fetchedFile(String relativePath);

    /**
     * Reads a small remote document, such as a tree listing, through the host's client, which adds the hub
     * token where it belongs, follows redirects and honours offline mode.
     *
     * @throws PlanningException when the document cannot be read; its message says why
     */
    String readText(URI uri);
}
