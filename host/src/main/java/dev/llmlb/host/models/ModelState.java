package dev.llmlb.host.models;

import java.util.Locale;

/**
 * Where a model is in its life: {@code not_downloaded → waiting → downloading → completed → loading → loaded},
 * {@code local} when found on disk, and {@code error} from any step (a later request or pull retries).
 */
public enum ModelState {
    NOT_DOWNLOADED, WAITING, DOWNLOADING, COMPLETED, LOCAL, LOADING, LOADED, ERROR;

    /** The name the status endpoint uses. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether the files are complete on disk. */
    public boolean isOnDisk() {
        return this == COMPLETED || this == LOCAL || this == LOADING || this == LOADED;
    }
}
