package dev.llmlb.api.engine;

/**
 * What a loaded model offers.
 *
 * @param contextLength      tokens of context allocated
 * @param supportsEmbeddings whether {@link LoadedModel#embed} works
 * @param memoryBytes        bytes of memory the model holds (host RAM and device memory together)
 * @param device             where it runs, e.g. {@code cpu} or {@code cuda:0}
 * @param parallelSequences  how many generations may run at once on this model; 1 for most engines
 */
public record ModelInfo(int contextLength, boolean supportsEmbeddings, long memoryBytes, String device,
                        int parallelSequences) {

    public ModelInfo {
        if (parallelSequences < 1) {
            throw new IllegalArgumentException("parallelSequences must be >= 1");
        }
    }
}
