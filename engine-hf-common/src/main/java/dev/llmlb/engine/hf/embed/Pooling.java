package dev.llmlb.engine.hf.embed;

/**
 * How the hidden states of a sequence's tokens become one vector, as sentence-transformers' {@code Pooling} module
 * does it (keys of {@code 1_Pooling/config.json}). Each mode reads the {@code length} real tokens of a row; padding
 * after them is never read.
 */
public enum Pooling {
    /** The first token's state ({@code [CLS]}). */
    CLS("pooling_mode_cls_token"),
    /** The largest value of each dimension. */
    MAX("pooling_mode_max_tokens"),
    /** The mean of the tokens' states. */
    MEAN("pooling_mode_mean_tokens"),
    /** The sum of the tokens' states divided by the square root of their count. */
    MEAN_SQRT_LEN("pooling_mode_mean_sqrt_len_tokens"),
    /** The mean weighted by position, 1 for the first token up to {@code length} for the last (SGPT). */
    WEIGHTED_MEAN("pooling_mode_weightedmean_tokens"),
    /** The last token's state. */
    LAST_TOKEN("pooling_mode_lasttoken");

    private final String configKey;

    Pooling(String configKey) {
        this.configKey = configKey;
    }

    /** Its key in {@code 1_Pooling/config.json}. */
    public String configKey() {
        return configKey;
    }

    /**
     * Pools one row of hidden states.
     *
     * @param states flattened {@code [rows, positions, hidden]}
     * @param row    which row
     * @param positions positions per row (the padded length)
     * @param hidden values per position
     * @param length real tokens at the start of the row, at least 1
     * @param out    receives {@code hidden} values
     * @param at     where in {@code out}
     */
    void pool(float[] states, int row, int positions, int hidden, int length, float[] out, int at) {
        int base = row * positions * hidden;
        switch (this) {
            case CLS -> System.arraycopy(states, base, out, at, hidden);
            case LAST_TOKEN -> System.arraycopy(states, base + (length - 1) * hidden, out, at, hidden);
            case MAX -> {
                for (int d = 0; d < hidden; d++) {
                    float max = Float.NEGATIVE_INFINITY;
                    for (int p = 0; p < length; p++) {
                        max = Math.max(max, states[base + p * hidden + d]);
                    }
                    out[at + d] = max;
                }
            }
            case MEAN, MEAN_SQRT_LEN, WEIGHTED_MEAN -> {
                double[] sum = new double[hidden];
                double weights = 0;
                for (int p = 0; p < length; p++) {
                    double w = this == WEIGHTED_MEAN ? p + 1 : 1;
                    weights += w;
                    int from = base + p * hidden;
                    for (int d = 0; d < hidden; d++) {
                        sum[d] += w * states[from + d];
                    }
                }
                double divisor = this == MEAN_SQRT_LEN ? Math.sqrt(length) : weights;
                for (int d = 0; d < hidden; d++) {
                    out[at + d] = (float) (sum[d] / divisor);
                }
            }
        }
    }
}
