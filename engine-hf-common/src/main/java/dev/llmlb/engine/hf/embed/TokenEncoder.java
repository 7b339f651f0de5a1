package dev.llmlb.engine.hf.embed;

/** An encoder's forward pass (BERT and its relatives): every input token's final hidden state. */
public interface TokenEncoder extends AutoCloseable {

    /** Values per token state. */
    int hiddenSize();

    /**
     * Runs one padded batch.
     *
     * @param rows      token ids, one array per input, of differing lengths; the encoder pads each to
     *                  {@code positions} and masks the padding out of attention
     * @param positions the padded length
     * @return the states, flattened {@code [rows, positions, hidden]}; those at padded positions are never read
     */
    float[] hiddenStates(int[][] rows, int positions);

    @Override
    void close();
}
