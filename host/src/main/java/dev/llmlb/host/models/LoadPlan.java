package dev.llmlb.host.models;

import dev.llmlb.api.engine.InferenceEngine;
import dev.llmlb.api.engine.LoadOptions;
import dev.llmlb.api.engine.LocalModel;

/**
 * How a model will be loaded, worked out before room is made for it.
 *
 * @param local         the files, as verified just before
 * @param engine        the engine that runs them
 * @param engineName    its name, for logs and status
 * @param options       what it is asked for
 * @param estimateBytes the memory it will take, counted against {@code LLMLB_MEMORY_BUDGET} until it reports its own
 */
record LoadPlan(LocalModel local, InferenceEngine engine, String engineName, LoadOptions options,
                long estimateBytes) {
}
