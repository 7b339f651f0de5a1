package dev.llmlb.testkit.models;

import java.util.Arrays;

/**
 * A named F32 tensor in HuggingFace layout: {@code shape[0]} is the slowest dimension, so a linear layer's weight is
 * {@code [out, in]} row-major.
 */
public record Tensor(String name, int[] shape, float[] data) {

    public Tensor {
        long count = 1;
        for (int d : shape) {
            count *= d;
        }
        if (count != data.length) {
            throw new IllegalArgumentException(name + ": shape " + Arrays.toString(shape) + " holds " + count
                    + " values, got " + data.length);
        }
    }

    /** Row {@code r} of a 2-D tensor, as a view offset. */
    public int rowOffset(int r) {
        return r * shape[1];
    }
}
