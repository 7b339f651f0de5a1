package dev.llmlb.host.models;

import dev.llmlb.api.engine.LoadedModel;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The right to run one generation on a loaded model; the model cannot be unloaded while a lease is out. Close it
 * once the engine has returned, never before: closing lets the next request run and lets the model be unloaded.
 */
public final class Lease implements AutoCloseable {

    private final ModelLifecycle lifecycle;
    private final ModelSlot slot;
    private final Resident resident;
    private final AtomicBoolean closed = new AtomicBoolean();

    Lease(ModelLifecycle lifecycle, ModelSlot slot, Resident resident) {
        this.lifecycle = lifecycle;
        this.slot = slot;
        this.resident = resident;
    }

    public LoadedModel model() {
        return resident.model();
    }

    public String engine() {
        return resident.engine();
    }

    public String modelId() {
        return slot.spec.id();
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            lifecycle.release(slot);
        }
    }
}
