package dev.llmlb.api.engine;

import java.util.Arrays;

/**
 * One embedding vector. Immutable: the constructor copies the values and {@link #vector()} returns a copy, so no
 * caller can change a vector another holds. Equal when the values are.
 */
public final class Embedding {

    private final float[] values;

    private Embedding(float[] values) {
        this.values = values;
    }

    /**
     * A copy of {@code values}.
     *
     * @throws IllegalArgumentException when {@code values} is empty
     */
    public static Embedding of(float... values) {
        if (values.length == 0) {
            throw new IllegalArgumentException("an embedding has at least one value");
        }
        return new Embedding(values.clone());
    }

    /** How many values the vector has. */
    public int dimensions() {
        return values.length;
    }

    /** The value at {@code index}. */
    public float get(int index) {
        return values[index];
    }

    /** A copy of the values. */
    public float[] vector() {
        return values.clone();
    }

    /** Its Euclidean length. */
    public double norm() {
        double sum = 0;
        for (float v : values) {
            sum += (double) v * v;
        }
        return Math.sqrt(sum);
    }

    /**
     * The first {@code dimensions} values scaled to length 1: how a vector trained to keep its meaning in its leading
     * values (as normalised sentence embeddings are used, and OpenAI's {@code dimensions} parameter works) is
     * shortened.
     *
     * @throws IllegalArgumentException when {@code dimensions} is not between 1 and {@link #dimensions()}
     */
    public Embedding truncated(int dimensions) {
        if (dimensions < 1 || dimensions > values.length) {
            throw new IllegalArgumentException("dimensions must be between 1 and " + values.length + ": "
                    + dimensions);
        }
        float[] head = Arrays.copyOf(values, dimensions);
        double norm = 0;
        for (float v : head) {
            norm += (double) v * v;
        }
        norm = Math.sqrt(norm);
        if (norm > 0) {
            for (int i = 0; i < head.length; i++) {
                head[i] = (float) (head[i] / norm);
            }
        }
        return new Embedding(head);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Embedding e && Arrays.equals(values, e.values);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(values);
    }

    @Override
    public String toString() {
        return "Embedding" + (values.length <= 8 ? Arrays.toString(values)
                : "[" + values[0] + ", " + values[1] + ", ... " + values.length + " values]");
    }
}
