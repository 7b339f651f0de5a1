package dev.llmlb.host.models;

import dev.llmlb.api.engine.LoadedModel;

import java.util.concurrent.Semaphore;

/**
 * A model in memory.
 *
 * @param model       the engine's loaded model
 * @param engine      the engine's name
 * @param onGpu       whether it was placed on a GPU
 * @param memoryBytes what it takes, counted against {@code LLMLB_MEMORY_BUDGET}
 * @param sequences   one permit per generation that may run at once
 */
record Resident(LoadedModel model, String engine, boolean onGpu, long memoryBytes, Semaphore sequences) {
}
