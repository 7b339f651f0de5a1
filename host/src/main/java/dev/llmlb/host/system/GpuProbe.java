package dev.llmlb.host.system;

import java.util.List;

/** Tells which GPUs the node has and how much of their memory is free right now. */
public interface GpuProbe {

    /** One GPU as {@code nvidia-smi} reports it. */
    record Gpu(int index, String name, long totalMb, long freeMb) {
    }

    /** The GPUs now; empty on a node without any (or without a driver). */
    List<Gpu> gpus();

    /** A probe that never finds a GPU. */
    static GpuProbe none() {
        return List::of;
    }

    /** Free memory of all GPUs together, in MiB. */
    default long freeMb() {
        return gpus().stream().mapToLong(Gpu::freeMb).sum();
    }
}
