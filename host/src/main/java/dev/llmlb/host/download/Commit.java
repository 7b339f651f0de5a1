package dev.llmlb.host.download;

import java.io.IOException;

/**
 * Runs the step that publishes a download (the move to its final name) only while the caller still owns the
 * model's lock, so that a process that lost its lock to another never overwrites that one's work.
 */
@FunctionalInterface
public interface Commit {

    /** An action on the file system. */
    @FunctionalInterface
    interface Action {
        void run() throws IOException;
    }

    /**
     * Runs {@code action} if the caller still owns what it writes.
     *
     * @return whether it ran; {@code false} when ownership was lost and the work must be discarded
     */
    boolean run(Action action) throws IOException;

    /** For callers that own the folder alone (tests, a single process). */
    static Commit always() {
        return action -> {
            action.run();
            return true;
        };
    }
}
