package dev.llmlb.host.resolve;

import dev.llmlb.api.ModelSpec;
import dev.llmlb.api.engine.LocalModel;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/** Finds models on disk and fetches those that are not. */
public interface ModelFetcher {

    /**
     * The model when it is complete on disk: a manifest written for its current catalog entry lists every file and
     * each is there at its size. No network and no hashing (one stat per file), so it is cheap enough to ask again
     * right before a load, to notice files another process deleted or changed.
     */
    Optional<LocalModel> findLocal(ModelSpec spec);

    /**
     * Fetches the model: takes the cross-process lock (waiting while another process downloads it), plans with the
     * model's source, keeps the files on disk that match the plan, transfers the rest (waiting for a download slot
     * of this node), verifies them and writes the manifest last. Blocks; call it off request threads.
     */
    LocalModel fetch(ModelSpec spec, FetchListener listener) throws FetchException;

    /** The model's folder. */
    Path folder(ModelSpec spec);

    /**
     * Removes the model's files, partial downloads included, under the cross-process lock.
     *
     * @throws dev.llmlb.host.failure.FailureException of kind {@code CONFLICT}, code {@code model_busy}, while
     *         another process downloads the model or has it in use ({@link #markInUse})
     */
    void delete(ModelSpec spec) throws IOException;

    /**
     * Marks the model as in use by this process (loaded, serving) until the returned handle is closed; meanwhile
     * every process's {@link #delete} of it is refused. Waits a few seconds while a delete runs, then throws.
     * Call {@link #findLocal} after it: the files may have gone before the mark was taken.
     *
     * @throws dev.llmlb.host.failure.FailureException of kind {@code CONFLICT}, code {@code model_busy}, when a
     *         delete of the model does not end in time
     */
    default InUse markInUse(ModelSpec spec) {
        return () -> {
        };
    }

    /** A model marked in use; closing it ends the mark. */
    interface InUse extends AutoCloseable {
        @Override
        void close();
    }
}
