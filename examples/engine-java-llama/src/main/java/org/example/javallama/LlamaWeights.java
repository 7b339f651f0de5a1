package org.example.javallama;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A Llama model's shape and F32 weights, read from GGUF with llama.cpp's tensor names. Matrices keep GGUF's layout:
 * a tensor of dims {@code [in, out]} is {@code out} rows of {@code in} floats, so row {@code r} holds the weights of
 * output {@code r}. The q and k rows are in llama.cpp's order, which pairs neighbouring dimensions for the rotary
 * embedding (see {@link Sequence}).
 */
final class LlamaWeights {

    /** The numbers that shape the model. */
    record Shape(int hidden, int layers, int heads, int kvHeads, int ffn, int vocab, int contextLength,
                 double ropeBase, double rmsEps) {
        int headDim() {
            return hidden / heads;
        }

        int kvDim() {
            return kvHeads * headDim();
        }
    }

    /** One decoder block. */
    record Layer(float[] attnNorm, float[] wq, float[] wk, float[] wv, float[] wo, float[] ffnNorm, float[] gate,
                 float[] up, float[] down) {
    }

    final Shape shape;
    final float[] embeddings;
    final List<Layer> layers;
    final float[] outputNorm;
    final float[] output;

    private LlamaWeights(Shape shape, float[] embeddings, List<Layer> layers, float[] outputNorm, float[] output) {
        this.shape = shape;
        this.embeddings = embeddings;
        this.layers = layers;
        this.outputNorm = outputNorm;
        this.output = output;
    }

    /**
     * Why this engine cannot run the file, if it cannot: only the plain Llama architecture, with every tensor F32,
     * in one file.
     */
    static Optional<String> unsupportedReason(GgufFile gguf) {
        String architecture = gguf.string("general.architecture", "unknown");
        if (!architecture.equals("llama")) {
            return Optional.of("architecture " + architecture + " is not supported (java_llama runs llama)");
        }
        if (gguf.integer("split.count", 1) > 1) {
            return Optional.of("split GGUF files are not supported by java_llama");
        }
        return gguf.tensors().values().stream().filter(t -> t.type() != GgufFile.F32).findFirst()
                .map(t -> "tensor " + t.name() + " is quantized (ggml type " + t.type() + "); java_llama runs F32 "
                        + "weights only");
    }

    /** The model's shape from its metadata (and the embedding matrix's dimensions), reading no weights. */
    static Shape shapeOf(GgufFile gguf) throws IOException {
        int hidden = (int) gguf.integer("llama.embedding_length", 0);
        int heads = (int) gguf.integer("llama.attention.head_count", 0);
        GgufFile.TensorInfo embeddings = gguf.tensors().get("token_embd.weight");
        if (embeddings == null || embeddings.dims().length != 2) {
            throw new IOException("the model has no token_embd.weight matrix");
        }
        Shape shape = new Shape(hidden, (int) gguf.integer("llama.block_count", 0), heads,
                (int) gguf.integer("llama.attention.head_count_kv", heads),
                (int) gguf.integer("llama.feed_forward_length", 0), (int) embeddings.dims()[1],
                (int) gguf.integer("llama.context_length", 2048), gguf.real("llama.rope.freq_base", 10000),
                gguf.real("llama.attention.layer_norm_rms_epsilon", 1e-5));
        if (hidden <= 0 || heads <= 0 || shape.layers() <= 0 || hidden % heads != 0 || shape.headDim() % 2 != 0
                || shape.kvHeads() <= 0 || heads % shape.kvHeads() != 0 || embeddings.dims()[0] != hidden) {
            throw new IOException("the model's metadata gives an impossible shape: " + shape);
        }
        return shape;
    }

    static LlamaWeights read(GgufFile gguf) throws IOException {
        Optional<String> unsupported = unsupportedReason(gguf);
        if (unsupported.isPresent()) {
            throw new IOException(unsupported.get());
        }
        Shape shape = shapeOf(gguf);
        float[] embeddings = gguf.floats("token_embd.weight");
        List<Layer> layers = new ArrayList<>();
        for (int l = 0; l < shape.layers(); l++) {
            String b = "blk." + l + ".";
            layers.add(new Layer(gguf.floats(b + "attn_norm.weight"), gguf.floats(b + "attn_q.weight"),
                    gguf.floats(b + "attn_k.weight"), gguf.floats(b + "attn_v.weight"),
                    gguf.floats(b + "attn_output.weight"), gguf.floats(b + "ffn_norm.weight"),
                    gguf.floats(b + "ffn_gate.weight"), gguf.floats(b + "ffn_up.weight"),
                    gguf.floats(b + "ffn_down.weight")));
        }
        // Models with tied embeddings have no output matrix: the embeddings are used again.
        float[] output = gguf.tensors().containsKey("output.weight") ? gguf.floats("output.weight") : embeddings;
        return new LlamaWeights(shape, embeddings, List.copyOf(layers), gguf.floats("output_norm.weight"), output);
    }

    /** Bytes the weights take in memory. */
    long bytes() {
        long floats = embeddings.length + outputNorm.length + (output == embeddings ? 0 : output.length);
        for (Layer l : layers) {
            floats += l.attnNorm().length + l.wq().length + l.wk().length + l.wv().length + l.wo().length
                    + l.ffnNorm().length + l.gate().length + l.up().length + l.down().length;
        }
        return floats * Float.BYTES;
    }
}
