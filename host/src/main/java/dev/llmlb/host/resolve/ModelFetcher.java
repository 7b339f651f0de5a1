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

    /**
     * Removes the model's files, partial downloads included.
     *
     * @throws FetchException when another process downloads or serves the model (kind {@code CONFLICT})
     */
    void delete(ModelSpec spec) throws IOException, FetchException;

    /**
     * Marks the model's files as in use by this process until the handle is closed, so that another process does
     * not delete them meanwhile.
     */
    default InUse markInUse(ModelSpec spec) {
        return () -> { };
    }

    /** This process's mark on a model's files. */
    interface InUse extends AutoCloseable {
        @Override
        void close();
    }
}
