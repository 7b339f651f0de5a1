package dev.llmlb.host.models;

import dev.llmlb.api.engine.InferenceEngine;
import dev.llmlb.api.engine.LoadOptions;
import dev.llmlb.api.engine.LoadedModel;
import dev.llmlb.api.engine.LocalModel;
import dev.llmlb.host.config.NodeConfig;
import dev.llmlb.host.failure.Failure;
import dev.llmlb.host.system.GpuProbe;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;

/**
 * Which models are in memory: loads within the limits ({@code LLMLB_MAX_LOADED_MODELS},
 * {@code LLMLB_MEMORY_BUDGET}, free VRAM), evicting idle models least recently used first, and hands out leases
 * with a bounded queue per model.
 */
public final class Residency {

    private static final System.Logger LOG = System.getLogger(Residency.class.getName());

    private final NodeConfig config;
    private final GpuProbe gpus;
    private final List<ModelSlot> resident = new ArrayList<>();
    private long reservedBytes;
    /** Loads that have made room but not finished. */
    private int pendingLoads;

    public Residency(NodeConfig config, GpuProbe gpus) {
        this.config = config;
        this.gpus = gpus;
    }

    /** Loads a model, first making room for it. */
    Resident load(ModelSlot slot, InferenceEngine engine, String engineName, LocalModel local) {
        boolean useGpu = placeOnGpu(slot);
        LoadOptions options = loadOptions(useGpu);
        long estimate = engine.estimateMemoryBytes(local, options);
        makeRoom(slot, estimate);
        long started = System.nanoTime();
        LoadedModel model;
        try {
            model = engine.load(local, options);
        } catch (RuntimeException | Error e) {
            synchronized (this) {
                reservedBytes -= estimate;
                pendingLoads--;
            }
            throw e;
        }
        long memory = Math.max(model.info().memoryBytes(), 0);
        synchronized (this) {
            reservedBytes += memory - estimate;
            pendingLoads--;
            resident.add(slot);
        }
        LOG.log(Level.INFO, "Model loaded successfully");
        LOG.log(Level.INFO, "Loaded {0} with engine {1} on {2} in {3} ms ({4} MB, context {5} tokens)",
                local.id(), engineName, model.info().device(), (System.nanoTime() - started) / 1_000_000,
                memory / 1_000_000, model.info().contextLength());
        return new Resident(model, engineName, useGpu, memory, new Semaphore(model.info().parallelSequences(),
                true));
    }

    private LoadOptions loadOptions(boolean useGpu) {
        LoadOptions options = new LoadOptions(config.threads(), config.contextLength(), config.parallel(),
                useGpu ? LoadOptions.Placement.ACCELERATOR : LoadOptions.Placement.CPU,
                Map.of("gpu_layers", Integer.toString(config.gpuLayers())));
        return options;
    }

    private boolean placeOnGpu(ModelSlot slot) {
        if (config.gpu() == NodeConfig.GpuMode.OFF) {
            return false;
        }
        if (gpus.gpus().isEmpty()) {
            if (config.gpu() == NodeConfig.GpuMode.ON) {
                LOG.log(Level.WARNING, "LLMLB_GPU=on but no GPU was found; {0} runs on CPU", slot.spec.id());
            }
            return false;
        }
        long need = slot.spec.requiredVramMb();
        if (need <= 0 || gpus.freeMb() >= need) {
            return true;
        }
        for (ModelSlot victim : idleByLeastRecentUse(slot)) {
            if (gpus.freeMb() >= need) {
                break;
            }
            Resident r;
            synchronized (victim) {
                r = victim.resident;
            }
            if (r != null && r.onGpu()) {
                LOG.log(Level.INFO, "Unloading {0} to free VRAM for {1}", victim.spec.id(), slot.spec.id());
                unload(victim);
            }
        }
        if (gpus.freeMb() >= need) {
            return true;
        }
        if (config.cpuFallback()) {
            LOG.log(Level.WARNING, "{0} needs {1} MB of VRAM but {2} MB are free; running it on CPU",
                    slot.spec.id(), need, gpus.freeMb());
            return false;
        }
        throw new Failure(Failure.Kind.UNAVAILABLE, "insufficient_vram", "Model '"
                + slot.spec.id() + "' needs " + need + " MB of GPU memory but only " + gpus.freeMb()
                + " MB are free, and LLMLB_CPU_FALLBACK is off.").retryAfter(30).exception();
    }

    private void makeRoom(ModelSlot slot, long estimate) {
        if (estimate > config.memoryBudgetBytes()) {
            throw new Failure(Failure.Kind.UNAVAILABLE, "insufficient_memory", "Model '"
                    + slot.spec.id() + "' needs about " + estimate / 1_000_000 + " MB, more than the memory budget of "
                    + config.memoryBudgetBytes() / 1_000_000 + " MB (LLMLB_MEMORY_BUDGET).").exception();
        }
        while (true) {
            ModelSlot victim;
            synchronized (this) {
                boolean fits = resident.size() + pendingLoads < config.maxLoadedModels()
                        && reservedBytes + estimate <= config.memoryBudgetBytes();
                if (fits) {
                    reservedBytes += estimate;
                    pendingLoads++;
                    return;
                }
                List<ModelSlot> idle = idleByLeastRecentUse(slot);
                if (idle.isEmpty()) {
                    throw new Failure(Failure.Kind.UNAVAILABLE, "insufficient_memory",
                            "Model '" + slot.spec.id() + "' cannot be loaded now: every loaded model is busy and "
                                    + "the node is at LLMLB_MAX_LOADED_MODELS or LLMLB_MEMORY_BUDGET.")
                            .retryAfter(10).exception();
                }
                victim = idle.get(0);
            }
            LOG.log(Level.INFO, "Unloading least recently used model {0} to make room for {1}",
                    victim.spec.id(), slot.spec.id());
            unload(victim);
        }
    }

    private synchronized List<ModelSlot> idleByLeastRecentUse(ModelSlot except) {
        List<ModelSlot> idle = new ArrayList<>();
        for (ModelSlot s : resident) {
            if (s != except && s.isIdle()) {
                idle.add(s);
            }
        }
        idle.sort(Comparator.comparingLong(s -> {
            synchronized (s) {
                return s.lastUsedNanos;
            }
        }));
        return idle;
    }

    /** Unloads the model if it is loaded and idle; returns whether it did. */
    boolean unload(ModelSlot slot) {
        Resident r;
        synchronized (slot) {
            if (slot.resident == null || slot.active > 0 || slot.waiting > 0) {
                return false;
            }
            r = slot.resident;
            slot.resident = null;
            slot.state = slot.local != null ? ModelState.LOCAL : ModelState.NOT_DOWNLOADED;
        }
        synchronized (this) {
            resident.remove(slot);
            reservedBytes -= r.memoryBytes();
        }
        try {
            r.model().close();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "Model {0} failed to close: {1}", slot.spec.id(), e.getMessage());
        }
        LOG.log(Level.INFO, "Unloaded model {0}", slot.spec.id());
        return true;
    }

    /** Unloads models idle for longer than {@code LLMLB_IDLE_TIMEOUT}. */
    void unloadIdle(Collection<ModelSlot> slots) {
        if (config.idleTimeout().isZero()) {
            return;
        }
        long cutoff = System.nanoTime() - config.idleTimeout().toNanos();
        for (ModelSlot slot : slots) {
            boolean expired;
            synchronized (slot) {
                expired = slot.resident != null && slot.active == 0 && slot.waiting == 0
                        && slot.lastUsedNanos - cutoff < 0;
            }
            if (expired) {
                LOG.log(Level.INFO, "Model {0} was idle for {1}; unloading it", slot.spec.id(), config.idleTimeout());
                unload(slot);
            }
        }
    }

    /** Queues for a free sequence of the model; 429 when {@code LLMLB_QUEUE_SIZE} requests already wait. */
    Lease enter(ModelSlot slot, Resident resident, int queueSize) {
        synchronized (slot) {
            if (!resident.sequences().tryAcquire()) {
                if (slot.waiting >= queueSize) {
                    throw new Failure(Failure.Kind.OVERLOADED, "queue_full", "Model '" + slot.spec.id()
                            + "' has " + slot.waiting + " requests waiting already (LLMLB_QUEUE_SIZE); retry shortly.")
                            .retryAfter(1).exception();
                }
                slot.waiting++;
            } else {
                slot.active++;
                slot.lastUsedNanos = System.nanoTime();
                return new Lease(slot, resident);
            }
        }
        try {
            resident.sequences().acquire();
        } catch (InterruptedException e) {
            synchronized (slot) {
                slot.waiting--;
            }
            Thread.currentThread().interrupt();
            throw Failure.shuttingDown().exception();
        }
        synchronized (slot) {
            slot.waiting--;
            slot.active++;
            slot.lastUsedNanos = System.nanoTime();
        }
        return new Lease(slot, resident);
    }
}
