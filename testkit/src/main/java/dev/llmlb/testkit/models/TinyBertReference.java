package dev.llmlb.testkit.models;

import java.util.List;

/**
 * The ground truth the encoder engines are compared with: a plain-Java forward pass of a BERT, RoBERTa or MPNet
 * model in HuggingFace layout (embeddings with positions, and token types where the model has them, then per layer
 * self-attention with MPNet's relative position bias, residual and LayerNorm, exact-GELU feed-forward, residual and
 * LayerNorm), followed by sentence-transformers' pooling and normalisation. One input at a time, unpadded, in
 * double-precision accumulators over F32 weights.
 */
public final class TinyBertReference {

    private final TinyBertWeights weights;
    private final TinyBertConfig config;

    public TinyBertReference(TinyBertWeights weights) {
        this.weights = weights;
        this.config = weights.config();
    }

    /** The sentence embedding of {@code text}, tokenized by {@link TinyWordPiece}. */
    public float[] embed(String text) {
        return embed(TinyWordPiece.get().encode(text));
    }

    /** The sentence embedding of {@code ids}: the pooling modes concatenated, normalised when the config says. */
    public float[] embed(List<Integer> ids) {
        float[][] states = hiddenStates(ids);
        int h = config.hiddenSize();
        int n = states.length;
        float[] out = new float[config.pooling().size() * h];
        for (int m = 0; m < config.pooling().size(); m++) {
            for (int d = 0; d < h; d++) {
                out[m * h + d] = (float) pool(config.pooling().get(m), states, n, d);
            }
        }
        if (config.normalize()) {
            double norm = 0;
            for (float v : out) {
                norm += (double) v * v;
            }
            norm = Math.max(Math.sqrt(norm), 1e-12);
            for (int i = 0; i < out.length; i++) {
                out[i] = (float) (out[i] / norm);
            }
        }
        return out;
    }

    private static double pool(TinyBertConfig.Pooling mode, float[][] states, int n, int d) {
        switch (mode) {
            case CLS:
                return states[0][d];
            case LAST_TOKEN:
                return states[n - 1][d];
            case MAX: {
                double max = Double.NEGATIVE_INFINITY;
                for (float[] s : states) {
                    max = Math.max(max, s[d]);
                }
                return max;
            }
            default: {
                double sum = 0;
                double weights = 0;
                for (int p = 0; p < n; p++) {
                    double w = mode == TinyBertConfig.Pooling.WEIGHTED_MEAN ? p + 1 : 1;
                    sum += w * states[p][d];
                    weights += w;
                }
                return mode == TinyBertConfig.Pooling.MEAN_SQRT_LEN ? sum / Math.sqrt(n) : sum / weights;
            }
        }
    }

    /** Every token's final hidden state, {@code [ids.size()][hiddenSize]}. */
    public float[][] hiddenStates(List<Integer> ids) {
        int n = ids.size();
        int h = config.hiddenSize();
        boolean mpnet = config.family() == TinyBertConfig.Family.MPNET;
        int[] positions = positions(ids);
        float[][] x = new float[n][];
        Tensor word = weights.tensor("embeddings.word_embeddings.weight");
        Tensor position = weights.tensor("embeddings.position_embeddings.weight");
        for (int i = 0; i < n; i++) {
            float[] e = new float[h];
            for (int d = 0; d < h; d++) {
                double v = word.data()[ids.get(i) * h + d] + (double) position.data()[positions[i] * h + d];
                if (config.family().typeVocabSize() > 0) {
                    v += weights.tensor("embeddings.token_type_embeddings.weight").data()[d];
                }
                e[d] = (float) v;
            }
            x[i] = layerNorm(e, "embeddings.LayerNorm");
        }
        for (int l = 0; l < config.layers(); l++) {
            String p = "encoder.layer." + l + ".";
            String q = mpnet ? p + "attention.attn.q" : p + "attention.self.query";
            String k = mpnet ? p + "attention.attn.k" : p + "attention.self.key";
            String v = mpnet ? p + "attention.attn.v" : p + "attention.self.value";
            String o = mpnet ? p + "attention.attn.o" : p + "attention.output.dense";
            String norm1 = mpnet ? p + "attention.LayerNorm" : p + "attention.output.LayerNorm";
            float[][] attended = attention(x, linear(q, x), linear(k, x), linear(v, x), mpnet);
            float[][] projected = linear(o, attended);
            float[][] x1 = new float[n][];
            for (int i = 0; i < n; i++) {
                x1[i] = layerNorm(add(projected[i], x[i]), norm1);
            }
            float[][] inner = linear(p + "intermediate.dense", x1);
            for (float[] row : inner) {
                for (int d = 0; d < row.length; d++) {
                    row[d] = (float) gelu(row[d]);
                }
            }
            float[][] out = linear(p + "output.dense", inner);
            for (int i = 0; i < n; i++) {
                x[i] = layerNorm(add(out[i], x1[i]), p + "output.LayerNorm");
            }
        }
        return x;
    }

    /**
     * Position numbers as transformers makes them: {@code 0..n-1} for BERT; for RoBERTa and MPNet each token that is
     * not the padding id counts up from {@code pad + 1}, and the padding id gets {@code pad}.
     */
    private int[] positions(List<Integer> ids) {
        int[] out = new int[ids.size()];
        int count = 0;
        for (int i = 0; i < out.length; i++) {
            if (!config.family().positionsAfterPadding()) {
                out[i] = i;
            } else if (ids.get(i) == config.padTokenId()) {
                out[i] = config.padTokenId();
            } else {
                out[i] = config.padTokenId() + ++count;
            }
        }
        return out;
    }

    private float[][] attention(float[][] x, float[][] q, float[][] k, float[][] v, boolean relativeBias) {
        int n = x.length;
        int heads = config.heads();
        int d = config.headDim();
        double scale = 1.0 / Math.sqrt(d);
        float[][] out = new float[n][config.hiddenSize()];
        Tensor bias = relativeBias ? weights.tensor("encoder.relative_attention_bias.weight") : null;
        for (int head = 0; head < heads; head++) {
            for (int i = 0; i < n; i++) {
                double[] scores = new double[n];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    for (int c = 0; c < d; c++) {
                        s += (double) q[i][head * d + c] * k[j][head * d + c];
                    }
                    s *= scale;
                    if (bias != null) {
                        s += bias.data()[relativeBucket(j - i) * heads + head];
                    }
                    scores[j] = s;
                    max = Math.max(max, s);
                }
                double sum = 0;
                for (int j = 0; j < n; j++) {
                    scores[j] = Math.exp(scores[j] - max);
                    sum += scores[j];
                }
                for (int c = 0; c < d; c++) {
                    double acc = 0;
                    for (int j = 0; j < n; j++) {
                        acc += scores[j] / sum * v[j][head * d + c];
                    }
                    out[i][head * d + c] = (float) acc;
                }
            }
        }
        return out;
    }

    /**
     * MPNet's bucket of a relative position {@code memory - query} (T5's bidirectional scheme, 32 buckets, maximum
     * distance 128), in float32 as transformers computes it: half the buckets for each direction, exact up to 7,
     * logarithmic beyond.
     */
    public static int relativeBucket(int relative) {
        int buckets = TinyBertWeights.RELATIVE_BUCKETS / 2;
        int bucket = 0;
        int n = -relative;
        if (n < 0) {
            bucket += buckets;
        }
        n = Math.abs(n);
        int maxExact = buckets / 2;
        if (n < maxExact) {
            return bucket + n;
        }
        float log = (float) Math.log((float) n / maxExact);
        float scaled = log / (float) Math.log(128.0 / maxExact) * (buckets - maxExact);
        return bucket + Math.min(maxExact + (int) scaled, buckets - 1);
    }

    private float[][] linear(String prefix, float[][] x) {
        Tensor w = weights.tensor(prefix + ".weight");
        float[] b = weights.tensor(prefix + ".bias").data();
        int out = w.shape()[0];
        int in = w.shape()[1];
        float[][] y = new float[x.length][out];
        for (int i = 0; i < x.length; i++) {
            for (int r = 0; r < out; r++) {
                double acc = b[r];
                for (int c = 0; c < in; c++) {
                    acc += (double) w.data()[r * in + c] * x[i][c];
                }
                y[i][r] = (float) acc;
            }
        }
        return y;
    }

    private float[] layerNorm(float[] x, String prefix) {
        float[] gamma = weights.tensor(prefix + ".weight").data();
        float[] beta = weights.tensor(prefix + ".bias").data();
        double mean = 0;
        for (float v : x) {
            mean += v;
        }
        mean /= x.length;
        double variance = 0;
        for (float v : x) {
            variance += (v - mean) * (v - mean);
        }
        variance /= x.length;
        double inv = 1.0 / Math.sqrt(variance + config.family().layerNormEps());
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = (float) ((x[i] - mean) * inv * gamma[i] + beta[i]);
        }
        return out;
    }

    private static float[] add(float[] a, float[] b) {
        float[] out = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i] + b[i];
        }
        return out;
    }

    /** The exact GELU transformers' BERT uses: {@code x * Φ(x)}. */
    static double gelu(double x) {
        return 0.5 * x * (1 + erf(x / Math.sqrt(2)));
    }

    /** The error function, to about 1e-15: its Taylor series near 0, a continued fraction for erfc beyond. */
    static double erf(double x) {
        double z = Math.abs(x);
        double result;
        if (z < 2.5) {
            double term = z;
            double sum = z;
            for (int n = 1; n < 200 && Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
                term *= -z * z / n;
                sum += term / (2 * n + 1);
            }
            result = 2 / Math.sqrt(Math.PI) * sum;
        } else if (z > 6) {
            result = 1;
        } else {
            // erfc(z) = exp(-z^2)/sqrt(pi) * 1/(z + 1/2/(z + 1/(z + 3/2/(z + ...)))), evaluated from the tail.
            double fraction = 0;
            for (int k = 60; k >= 1; k--) {
                fraction = (k / 2.0) / (z + fraction);
            }
            result = 1 - Math.exp(-z * z) / Math.sqrt(Math.PI) / (z + fraction);
        }
        return x < 0 ? -result : result;
    }
}
