package dev.llmlb.host.models;

import dev.llmlb.api.engine.LoadedModel;
import dev.llmlb.host.resolve.ModelFetcher;

/**
 * A model in memory.
 *
 * @param model             the engine's loaded model
 * @param engine            the engine's name
 * @param onGpu             whether it was placed on a GPU
 * @param memoryBytes       what it takes, counted against {@code LLMLB_MEMORY_BUDGET}
 * @param parallelSequences how many generations may run on it at once
 * @param inUse             this process's mark on the model's files, so another process does not delete them
 */
record Resident(LoadedModel model, String engine, boolean onGpu, long memoryBytes, int parallelSequences,
                ModelFetcher.InUse inUse) {
}
