package dev.llmlb.testkit.models;

import java.util.List;

import static dev.llmlb.testkit.models.OnnxGraph.FLOAT;
import static dev.llmlb.testkit.models.OnnxGraph.INT64;
import static dev.llmlb.testkit.models.OnnxGraph.attr;
import static dev.llmlb.testkit.models.OnnxGraph.ints;

/**
 * Builds the encoder graph of a BERT, RoBERTa or MPNet model the way HuggingFace Optimum exports one for feature
 * extraction: inputs {@code input_ids} and {@code attention_mask} {@code [batch, sequence]} (and
 * {@code token_type_ids} for BERT), output {@code last_hidden_state [batch, sequence, hidden]}; positions computed in
 * the graph (from the padding id for RoBERTa and MPNet), a padding mask from {@code attention_mask}, MPNet's relative
 * position bias gathered from a bucket table, GELU as {@code Erf}, {@code LayerNormalization} (opset 17). Linear
 * weights are stored {@code [in, out]} so each projection is one {@code MatMul}.
 */
final class BertOnnxGraph {

    private final TinyBertWeights weights;
    private final TinyBertConfig config;
    private final OnnxGraph g = new OnnxGraph();

    BertOnnxGraph(TinyBertWeights weights) {
        this.weights = weights;
        this.config = weights.config();
    }

    OnnxGraph build() {
        boolean mpnet = config.family() == TinyBertConfig.Family.MPNET;
        g.input("input_ids", INT64, "batch_size", "sequence_length");
        g.input("attention_mask", INT64, "batch_size", "sequence_length");
        if (config.family().takesTokenTypes()) {
            g.input("token_type_ids", INT64, "batch_size", "sequence_length");
        }
        String axis0 = g.int64s(0);
        String seqLen = g.op("Shape", List.of("input_ids"), attr("start", 1), attr("end", 2));

        String x = g.op("Gather", List.of(weight("embeddings.word_embeddings.weight"), "input_ids"));
        x = g.op("Add", List.of(x, g.op("Gather", List.of(weight("embeddings.position_embeddings.weight"),
                positions(seqLen, axis0)))));
        if (config.family().takesTokenTypes()) {
            x = g.op("Add", List.of(x, g.op("Gather", List.of(weight("embeddings.token_type_embeddings.weight"),
                    "token_type_ids"))));
        } else if (config.family().typeVocabSize() > 0) {
            // RoBERTa has one token type; its row is added to every position.
            x = g.op("Add", List.of(x, weight("embeddings.token_type_embeddings.weight")));
        }
        x = layerNorm(x, "embeddings.LayerNorm");

        // [batch, 1, 1, sequence]: 0 for tokens, a large negative number for padding.
        String keep = g.op("Cast", List.of("attention_mask"), attr("to", FLOAT));
        String mask = g.op("Mul", List.of(g.op("Sub", List.of(g.float32(1f), keep)), g.float32(-1e9f)));
        mask = g.op("Unsqueeze", List.of(mask, g.int64s(1, 2)));
        if (mpnet) {
            mask = g.op("Add", List.of(mask, relativeBias(seqLen)));
        }
        for (int l = 0; l < config.layers(); l++) {
            x = layer(l, x, mask, mpnet);
        }
        g.op("Identity", List.of(x), "last_hidden_state");
        g.output("last_hidden_state", FLOAT, "batch_size", "sequence_length", (long) config.hiddenSize());
        return g;
    }

    /**
     * {@code [1, sequence]} positions 0.. for BERT; for RoBERTa and MPNet {@code [batch, sequence]} numbers counting
     * the tokens that are not the padding id, from {@code pad + 1}, and {@code pad} for the padding id.
     */
    private String positions(String seqLen, String axis0) {
        if (!config.family().positionsAfterPadding()) {
            String range = g.op("Range", List.of(g.int64(0), g.op("Squeeze", List.of(seqLen, axis0)), g.int64(1)));
            return g.op("Unsqueeze", List.of(range, axis0));
        }
        String pad = g.int64(config.padTokenId());
        String notPad = g.op("Cast", List.of(g.op("Not", List.of(g.op("Equal", List.of("input_ids", pad))))),
                attr("to", INT64));
        String counted = g.op("Mul", List.of(g.op("CumSum", List.of(notPad, g.int64(1))), notPad));
        return g.op("Add", List.of(counted, pad));
    }

    /** MPNet's relative position bias {@code [1, heads, sequence, sequence]}, from a bucket table for every length. */
    private String relativeBias(String seqLen) {
        int n = config.positions();
        long[] buckets = new long[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                buckets[i * n + j] = TinyBertReference.relativeBucket(j - i);
            }
        }
        String table = g.op("Reshape", List.of(g.int64s(buckets), g.int64s(n, n)));
        String square = g.op("Concat", List.of(seqLen, seqLen), attr("axis", 0));
        String used = g.op("Slice", List.of(table, g.int64s(0, 0), square, g.int64s(0, 1)));
        String bias = g.op("Gather", List.of(weight("encoder.relative_attention_bias.weight"), used));
        return g.op("Unsqueeze", List.of(g.op("Transpose", List.of(bias), ints("perm", 2, 0, 1)), g.int64s(0)));
    }

    private String layer(int l, String x, String mask, boolean mpnet) {
        String p = "encoder.layer." + l + ".";
        String q = heads(linear(x, mpnet ? p + "attention.attn.q" : p + "attention.self.query"), false);
        String k = heads(linear(x, mpnet ? p + "attention.attn.k" : p + "attention.self.key"), true);
        String v = heads(linear(x, mpnet ? p + "attention.attn.v" : p + "attention.self.value"), false);
        String scores = g.op("Mul", List.of(g.op("MatMul", List.of(q, k)),
                g.float32((float) (1.0 / Math.sqrt(config.headDim())))));
        String probs = g.op("Softmax", List.of(g.op("Add", List.of(scores, mask))), attr("axis", -1));
        String context = g.op("Transpose", List.of(g.op("MatMul", List.of(probs, v))), ints("perm", 0, 2, 1, 3));
        context = g.op("Reshape", List.of(context, g.int64s(0, 0, config.hiddenSize())));
        String attended = linear(context, mpnet ? p + "attention.attn.o" : p + "attention.output.dense");
        String x1 = layerNorm(g.op("Add", List.of(attended, x)),
                mpnet ? p + "attention.LayerNorm" : p + "attention.output.LayerNorm");
        String inner = linear(x1, p + "intermediate.dense");
        String erf = g.op("Erf", List.of(g.op("Div", List.of(inner, g.float32((float) Math.sqrt(2))))));
        String gelu = g.op("Mul", List.of(g.op("Mul", List.of(inner, g.float32(0.5f))),
                g.op("Add", List.of(erf, g.float32(1f)))));
        return layerNorm(g.op("Add", List.of(linear(gelu, p + "output.dense"), x1)), p + "output.LayerNorm");
    }

    /** {@code [batch, seq, hidden]} to {@code [batch, heads, seq, headDim]} (or {@code [.., headDim, seq]}). */
    private String heads(String x, boolean transposed) {
        String split = g.op("Reshape", List.of(x, g.int64s(0, 0, config.heads(), config.headDim())));
        return transposed ? g.op("Transpose", List.of(split), ints("perm", 0, 2, 3, 1))
                : g.op("Transpose", List.of(split), ints("perm", 0, 2, 1, 3));
    }

    private String layerNorm(String x, String prefix) {
        return g.op("LayerNormalization", List.of(x, weight(prefix + ".weight"), weight(prefix + ".bias")),
                attr("axis", -1), attr("epsilon", (float) config.family().layerNormEps()));
    }

    /** {@code x} times the transposed {@code prefix.weight} plus {@code prefix.bias}. */
    private String linear(String x, String prefix) {
        Tensor w = weights.tensor(prefix + ".weight");
        int out = w.shape()[0];
        int in = w.shape()[1];
        float[] transposed = new float[w.data().length];
        for (int r = 0; r < out; r++) {
            for (int c = 0; c < in; c++) {
                transposed[c * out + r] = w.data()[r * in + c];
            }
        }
        String matrix = g.weight(prefix + ".weight", new long[] {in, out}, transposed);
        return g.op("Add", List.of(g.op("MatMul", List.of(x, matrix)), weight(prefix + ".bias")));
    }

    private String weight(String name) {
        Tensor t = weights.tensor(name);
        long[] dims = new long[t.shape().length];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = t.shape()[i];
        }
        return g.weight(name, dims, t.data());
    }
}
