package dev.llmlb.host.resolve;

/** Hears how a fetch goes, to update the model's status. Called from the fetching thread. */
public interface FetchListener {

    /** Queued behind other downloads of this node, or behind another process that holds the model's lock. */
    void waiting(long downloadedBytes, long totalBytes);

    /** Bytes on disk so far, of all files planned so far. */
    void downloading(long downloadedBytes, long totalBytes);
}
