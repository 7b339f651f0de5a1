package org.example.javallama;

/**
 * One generation's pass through the model: feeds tokens one position at a time and keeps their keys and values
 * (the KV cache) for the positions after them. The weights are shared and never written, so sequences on several
 * threads may run at once. Sums are accumulated in double precision.
 *
 * <p>The rotary embedding rotates neighbouring pairs of dimensions {@code (2i, 2i+1)} of each head by
 * {@code position * base^(-2i/headDim)}: llama.cpp's convention, which its converter prepares the q and k weights
 * for.
 */
final class Sequence {

    private final LlamaWeights weights;
    private final LlamaWeights.Shape shape;
    private final int capacity;
    private final float[][] keys;
    private final float[][] values;
    private final double[] inverseFrequency;
    private int position;

    /** @param capacity positions this sequence may hold */
    Sequence(LlamaWeights weights, int capacity) {
        this.weights = weights;
        this.shape = weights.shape;
        this.capacity = capacity;
        this.keys = new float[shape.layers()][capacity * shape.kvDim()];
        this.values = new float[shape.layers()][capacity * shape.kvDim()];
        this.inverseFrequency = new double[shape.headDim() / 2];
        for (int i = 0; i < inverseFrequency.length; i++) {
            inverseFrequency[i] = Math.pow(shape.ropeBase(), -2.0 * i / shape.headDim());
        }
    }

    /** Bytes of cache a sequence of {@code capacity} positions takes. */
    static long cacheBytes(LlamaWeights.Shape shape, int capacity) {
        return 2L * shape.layers() * capacity * shape.kvDim() * Float.BYTES;
    }

    int position() {
        return position;
    }

    /** Feeds {@code token} at the next position; returns the logits of the token after it. */
    float[] step(int token) {
        if (position >= capacity) {
            throw new IllegalStateException("the sequence is full at " + capacity + " positions");
        }
        int hidden = shape.hidden();
        float[] x = new float[hidden];
        System.arraycopy(weights.embeddings, token * hidden, x, 0, hidden);
        for (int l = 0; l < shape.layers(); l++) {
            LlamaWeights.Layer layer = weights.layers.get(l);
            float[] normed = rmsNorm(x, layer.attnNorm());
            float[] q = matVec(layer.wq(), normed, hidden);
            float[] k = matVec(layer.wk(), normed, shape.kvDim());
            float[] v = matVec(layer.wv(), normed, shape.kvDim());
            rotate(q, shape.heads());
            rotate(k, shape.kvHeads());
            System.arraycopy(k, 0, keys[l], position * shape.kvDim(), shape.kvDim());
            System.arraycopy(v, 0, values[l], position * shape.kvDim(), shape.kvDim());
            add(x, matVec(layer.wo(), attend(q, l), hidden));
            float[] n2 = rmsNorm(x, layer.ffnNorm());
            float[] gate = matVec(layer.gate(), n2, shape.ffn());
            float[] up = matVec(layer.up(), n2, shape.ffn());
            for (int i = 0; i < gate.length; i++) {
                double g = gate[i];
                gate[i] = (float) (g / (1 + Math.exp(-g)) * up[i]); // SwiGLU: silu(gate) * up
            }
            add(x, matVec(layer.down(), gate, hidden));
        }
        position++;
        return matVec(weights.output, rmsNorm(x, weights.outputNorm), shape.vocab());
    }

    /** Causal attention of the current position over every position so far, heads sharing kv heads in groups. */
    private float[] attend(float[] q, int layer) {
        int headDim = shape.headDim();
        int kvDim = shape.kvDim();
        int group = shape.heads() / shape.kvHeads();
        double scale = 1.0 / Math.sqrt(headDim);
        float[] out = new float[shape.hidden()];
        double[] scores = new double[position + 1];
        for (int head = 0; head < shape.heads(); head++) {
            int kvOffset = (head / group) * headDim;
            double max = Double.NEGATIVE_INFINITY;
            for (int t = 0; t <= position; t++) {
                double dot = 0;
                for (int i = 0; i < headDim; i++) {
                    dot += (double) q[head * headDim + i] * keys[layer][t * kvDim + kvOffset + i];
                }
                scores[t] = dot * scale;
                max = Math.max(max, scores[t]);
            }
            double sum = 0;
            for (int t = 0; t <= position; t++) {
                scores[t] = Math.exp(scores[t] - max);
                sum += scores[t];
            }
            for (int t = 0; t <= position; t++) {
                double w = scores[t] / sum;
                for (int i = 0; i < headDim; i++) {
                    out[head * headDim + i] += (float) (w * values[layer][t * kvDim + kvOffset + i]);
                }
            }
        }
        return out;
    }

    private void rotate(float[] vector, int heads) {
        int headDim = shape.headDim();
        for (int head = 0; head < heads; head++) {
            for (int i = 0; i < headDim / 2; i++) {
                double angle = position * inverseFrequency[i];
                double cos = Math.cos(angle);
                double sin = Math.sin(angle);
                int a = head * headDim + 2 * i;
                double x0 = vector[a];
                double x1 = vector[a + 1];
                vector[a] = (float) (x0 * cos - x1 * sin);
                vector[a + 1] = (float) (x0 * sin + x1 * cos);
            }
        }
    }

    private float[] rmsNorm(float[] x, float[] weight) {
        double sum = 0;
        for (float v : x) {
            sum += (double) v * v;
        }
        double inverse = 1.0 / Math.sqrt(sum / x.length + shape.rmsEps());
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = (float) (x[i] * inverse) * weight[i];
        }
        return out;
    }

    /** {@code rows} outputs of a matrix stored as rows of {@code x.length} floats, times {@code x}. */
    private static float[] matVec(float[] matrix, float[] x, int rows) {
        int cols = x.length;
        float[] out = new float[rows];
        for (int r = 0; r < rows; r++) {
            double sum = 0;
            int offset = r * cols;
            for (int c = 0; c < cols; c++) {
                sum += (double) matrix[offset + c] * x[c];
            }
            out[r] = (float) sum;
        }
        return out;
    }

    private static void add(float[] into, float[] delta) {
        for (int i = 0; i < into.length; i++) {
            into[i] += delta[i];
        }
    }
}
