package dev.llmlb.host.models;

import dev.llmlb.api.engine.LoadedModel;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The right to run one generation on a loaded model; close it when done so the next queued request may run and
 * the model may be unloaded when idle.
 */
public final class Lease implements AutoCloseable {

    private final ModelSlot slot;
    private final Resident resident;
    private final AtomicBoolean closed = new AtomicBoolean();

    Lease(ModelSlot slot, Resident resident) {
        this.slot = slot;
        this.resident = resident;
    }

    public LoadedModel model() {
        return resident.model();
    }

    public String engine() {
        return resident.engine();
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            resident.sequences().release();
            synchronized (slot) {
                slot.active--;
                slot.lastUsedNanos = System.nanoTime();
            }
        }
    }
}
