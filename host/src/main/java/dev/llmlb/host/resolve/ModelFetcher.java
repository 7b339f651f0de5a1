package dev.llmlb.host.resolve;

import dev.llmlb.api.ModelSpec;
import dev.llmlb.api.engine.LocalModel;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/** Finds models on disk and fetches those that are not. */
public interface ModelFetcher {

    /** The model when it is complete on disk (its manifest lists every file at its size); no network. */
    Optional<LocalModel> findLocal(ModelSpec spec);

    /**
     * Fetches the model: waits for a download slot and the cross-process lock, plans with the model's source,
     * transfers, verifies and writes the manifest last. Blocks; call it off request threads.
     */
    LocalModel fetch(ModelSpec spec, FetchListener listener) throws FetchException;

    /** The model's folder. */
    Path folder(ModelSpec spec);

    /** Removes the model's files, partial downloads included. */
    void delete(ModelSpec spec) throws IOException;
}
