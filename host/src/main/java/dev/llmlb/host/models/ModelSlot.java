package dev.llmlb.host.models;

import dev.llmlb.api.ModelSpec;
import dev.llmlb.api.engine.LocalModel;
import dev.llmlb.host.failure.Failure;

import java.util.concurrent.CompletableFuture;

/**
 * The mutable state of one catalog model. Every field is guarded by the slot's monitor.
 */
final class ModelSlot {

    final ModelSpec spec;
    ModelState state = ModelState.NOT_DOWNLOADED;
    long downloadedBytes;
    long totalBytes;
    dev.llmlb.host.failure.Failure failure;
    LocalModel local;
    CompletableFuture<LocalModel> resolution;
    CompletableFuture<Resident> loading;
    Resident resident;
    long lastUsedNanos;
    int active;
    int waiting;
    long lastProgressNanos;

    ModelSlot(ModelSpec spec) {
        this.spec = spec;
    }

    synchronized void progress(ModelState newState, long downloaded, long total) {
        if (downloaded != downloadedBytes || newState != state) {
            lastProgressNanos = System.nanoTime();
        }
        state = newState;
        downloadedBytes = downloaded;
        totalBytes = total;
    }

    synchronized boolean isIdle() {
        return resident != null && active == 0 && waiting == 0;
    }
}
