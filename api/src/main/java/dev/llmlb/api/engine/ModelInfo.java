package dev.llmlb.api.engine;

import java.util.Set;

/**
 * What a loaded model offers.
 *
 * @param contextLength     tokens of context allocated per sequence
 * @param capabilities      what the model can be asked to do
 * @param memoryBytes       bytes of memory the model holds (host RAM and device memory together, every sequence's
 *                          cache included)
 * @param device            where it runs, e.g. {@code cpu} or {@code cuda:0}
 * @param parallelSequences how many generations may run at once on this model
 */
public record ModelInfo(int contextLength, Set<Capability> capabilities, long memoryBytes, String device,
                        int parallelSequences) {

    /** What a model can be asked to do. */
    public enum Capability {
        /** {@link LoadedModel#generate}: chat and text completions. */
        GENERATE,
        /** {@link LoadedModel#embed}: embedding vectors. */
        EMBED
    }

    public ModelInfo {
        if (parallelSequences < 1) {
            throw new IllegalArgumentException("parallelSequences must be >= 1");
        }
        capabilities = Set.copyOf(capabilities);
        if (capabilities.isEmpty()) {
            throw new IllegalArgumentException("a model must offer at least one capability");
        }
    }

    public boolean supportsEmbeddings() {
        return capabilities.contains(Capability.EMBED);
    }

    public boolean supportsGeneration() {
        return capabilities.contains(Capability.GENERATE);
    }
}
