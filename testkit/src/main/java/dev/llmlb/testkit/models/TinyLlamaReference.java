package dev.llmlb.testkit.models;

import java.util.ArrayList;
import java.util.List;

/**
 * The ground truth the engines are compared with: a plain-Java forward pass of a Llama model in HuggingFace
 * layout (RMSNorm, q/k/v biases when present, rotary embeddings in the "rotate half" layout with optional Llama 3
 * frequency scaling, grouped-query attention with a KV cache, SwiGLU, final norm, output projection), in double
 * precision accumulators over F32 weights.
 */
public final class TinyLlamaReference {

    private final TinyLlamaWeights weights;
    private final TinyLlamaConfig config;
    private final float[][][] keys;
    private final float[][][] values;
    private final double[] inverseFrequency;
    private int position;
    private float[] hiddenState;

    public TinyLlamaReference(TinyLlamaWeights weights) {
        this.weights = weights;
        this.config = weights.config();
        this.inverseFrequency = new double[config.headDim() / 2];
        for (int i = 0; i < inverseFrequency.length; i++) {
            inverseFrequency[i] = config.inverseFrequency(i);
        }
        this.keys = new float[config.layers()][config.contextLength()][];
        this.values = new float[config.layers()][config.contextLength()][];
    }

    /** Feeds one token at the next position; returns the logits for the token after it. */
    public float[] step(int token) {
        int h = config.hiddenSize();
        float[] x = row(weights.tensor("model.embed_tokens.weight"), token);
        for (int l = 0; l < config.layers(); l++) {
            String p = "model.layers." + l + ".";
            float[] normed = rmsNorm(x, weights.tensor(p + "input_layernorm.weight").data());
            float[] q = linear(p + "self_attn.q_proj", normed);
            float[] k = linear(p + "self_attn.k_proj", normed);
            float[] v = linear(p + "self_attn.v_proj", normed);
            rotate(q, config.heads());
            rotate(k, config.kvHeads());
            keys[l][position] = k;
            values[l][position] = v;
            float[] attended = attend(q, l);
            float[] out = matVec(weights.tensor(p + "self_attn.o_proj.weight"), attended);
            for (int i = 0; i < h; i++) {
                x[i] += out[i];
            }
            float[] n2 = rmsNorm(x, weights.tensor(p + "post_attention_layernorm.weight").data());
            float[] gate = matVec(weights.tensor(p + "mlp.gate_proj.weight"), n2);
            float[] up = matVec(weights.tensor(p + "mlp.up_proj.weight"), n2);
            for (int i = 0; i < gate.length; i++) {
                double g = gate[i];
                gate[i] = (float) (g / (1 + Math.exp(-g)) * up[i]);
            }
            float[] down = matVec(weights.tensor(p + "mlp.down_proj.weight"), gate);
            for (int i = 0; i < h; i++) {
                x[i] += down[i];
            }
        }
        position++;
        hiddenState = rmsNorm(x, weights.tensor("model.norm.weight").data());
        return matVec(weights.outputProjection(), hiddenState);
    }

    /**
     * The final hidden state (after the final norm) at the last token fed: what llama.cpp pools as a decoder's
     * embedding with last-token pooling, before it normalises. Null before the first step.
     */
    public float[] hiddenState() {
        return hiddenState == null ? null : hiddenState.clone();
    }

    /** The embedding of {@code tokens} from a fresh sequence: the last token's final hidden state at length 1. */
    public static float[] embedding(TinyLlamaWeights weights, List<Integer> tokens) {
        TinyLlamaReference reference = new TinyLlamaReference(weights);
        reference.prefill(tokens);
        float[] hidden = reference.hiddenState();
        double norm = 0;
        for (float v : hidden) {
            norm += (double) v * v;
        }
        norm = Math.sqrt(norm);
        for (int i = 0; i < hidden.length; i++) {
            hidden[i] = (float) (hidden[i] / norm);
        }
        return hidden;
    }

    /** Feeds a prompt; returns the logits after its last token. */
    public float[] prefill(List<Integer> tokens) {
        float[] logits = null;
        for (int token : tokens) {
            logits = step(token);
        }
        return logits;
    }

    /** The greedy continuation of {@code prompt}: {@code steps} tokens, stopping early at end of sequence. */
    public List<Integer> greedy(List<Integer> prompt, int steps) {
        List<Integer> out = new ArrayList<>();
        float[] logits = prefill(prompt);
        for (int i = 0; i < steps; i++) {
            int next = argmax(logits);
            out.add(next);
            if (next == TinyVocabulary.EOS) {
                break;
            }
            logits = step(next);
        }
        return out;
    }

    public static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }

    private float[] attend(float[] q, int layer) {
        int headDim = config.headDim();
        int group = config.heads() / config.kvHeads();
        float[] out = new float[config.hiddenSize()];
        double scale = 1.0 / Math.sqrt(headDim);
        for (int head = 0; head < config.heads(); head++) {
            int kvHead = head / group;
            double[] scores = new double[position + 1];
            double max = Double.NEGATIVE_INFINITY;
            for (int t = 0; t <= position; t++) {
                double dot = 0;
                float[] k = keys[layer][t];
                for (int i = 0; i < headDim; i++) {
                    dot += (double) q[head * headDim + i] * k[kvHead * headDim + i];
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
                float[] v = values[layer][t];
                double w = scores[t] / sum;
                for (int i = 0; i < headDim; i++) {
                    out[head * headDim + i] += (float) (w * v[kvHead * headDim + i]);
                }
            }
        }
        return out;
    }

    /** Rotary embedding, HuggingFace "rotate half": dimension i pairs with i + headDim/2. */
    private void rotate(float[] vector, int heads) {
        int headDim = config.headDim();
        int half = headDim / 2;
        for (int head = 0; head < heads; head++) {
            int base = head * headDim;
            for (int i = 0; i < half; i++) {
                double theta = position * inverseFrequency[i];
                double cos = Math.cos(theta);
                double sin = Math.sin(theta);
                double a = vector[base + i];
                double b = vector[base + i + half];
                vector[base + i] = (float) (a * cos - b * sin);
                vector[base + i + half] = (float) (b * cos + a * sin);
            }
        }
    }

    /** {@code prefix.weight} times {@code x}, plus {@code prefix.bias} when the model has one (Qwen2). */
    private float[] linear(String prefix, float[] x) {
        float[] out = matVec(weights.tensor(prefix + ".weight"), x);
        weights.optionalTensor(prefix + ".bias").ifPresent(bias -> {
            for (int i = 0; i < out.length; i++) {
                out[i] += bias.data()[i];
            }
        });
        return out;
    }

    private float[] rmsNorm(float[] x, float[] weight) {
        double sum = 0;
        for (float v : x) {
            sum += (double) v * v;
        }
        double inv = 1.0 / Math.sqrt(sum / x.length + config.rmsEps());
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = (float) (x[i] * inv) * weight[i];
        }
        return out;
    }

    private static float[] matVec(Tensor w, float[] x) {
        int rows = w.shape()[0];
        int cols = w.shape()[1];
        float[] data = w.data();
        float[] out = new float[rows];
        for (int r = 0; r < rows; r++) {
            double sum = 0;
            int offset = r * cols;
            for (int c = 0; c < cols; c++) {
                sum += (double) data[offset + c] * x[c];
            }
            out[r] = (float) sum;
        }
        return out;
    }

    private static float[] row(Tensor t, int r) {
        int cols = t.shape()[1];
        float[] out = new float[cols];
        System.arraycopy(t.data(), r * cols, out, 0, cols);
        return out;
    }
}
