package dev.llmlb.engine.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import dev.llmlb.api.engine.EngineException;
import dev.llmlb.engine.hf.BatchDecoder;

import java.util.List;

/**
 * The Llama decoder in PyTorch operations, in F32, over several sequences at once: embedding; per layer RMSNorm,
 * fused q/k/v projection (with Qwen2's biases), rotary embedding, grouped-query attention over the sequence's cache,
 * output projection, RMSNorm, fused SwiGLU; final RMSNorm; output projection (tied or not). The weights come
 * prepared by {@link LlamaWeights} (norm weights and the attention scale folded into the projections, rotary pairs
 * adjacent), so that a decode step costs about 41 PyTorch calls per layer: each call crosses JNI and PyTorch's
 * dispatcher, which costs more than the arithmetic of the small ones.
 *
 * <p>Each sequence owns a cache slot, preallocated at load for the whole context ({@code [kvHeads, context,
 * headDim]} per layer for keys and values), written in place at its next positions: nothing is concatenated or
 * reallocated while generating.
 *
 * <p>Batching never changes a sequence's numbers. Element-wise operations run on all rows at once; attention runs
 * per sequence over its own length; and every matrix product with the weights runs per row, because PyTorch's
 * kernels round a row differently when it is part of a larger product (MKL's matrix-vector path for one row,
 * blocked matrix-matrix kernels for several; measured: rows of a 4-row product differ in the last bits from the
 * same rows alone). A prompt is fed alone, all its positions in one pass.
 *
 * <p>Not thread-safe: {@link dev.llmlb.engine.hf.DecodeScheduler} calls it from one thread. Every intermediate
 * array of a pass lives in an {@link NDScope} and is freed when the pass ends.
 */
final class LlamaDecoder implements BatchDecoder<LlamaDecoder.Sequence>, AutoCloseable {

    /** One sequence: its cache slot and the positions it holds. */
    static final class Sequence {
        private final int slot;
        private int length;

        private Sequence(int slot) {
            this.slot = slot;
        }

        int length() {
            return length;
        }
    }

    private final LlamaSpec spec;
    private final NDManager manager;
    private final LlamaWeights weights;
    private final int context;
    /** e^(i * position * inverse frequency) for every position and rotary pair: complex [context, headDim / 2]. */
    private final PtNDArray rotation;
    /** [slot][layer]: {@code [kvHeads, context, headDim]}. */
    private final PtNDArray[][] keys;
    private final PtNDArray[][] values;
    private final boolean[] taken;
    private final PtNDArray epsilon;
    private final PtNDArray finalNorm;

    /**
     * Allocates the caches of {@code slots} sequences of {@code context} positions each. The decoder owns
     * {@code manager} and the weights in it.
     */
    LlamaDecoder(LlamaSpec spec, NDManager manager, LlamaWeights weights, int context, int slots) {
        this.spec = spec;
        this.manager = manager;
        this.weights = weights;
        this.context = context;
        this.rotation = rotaryTable(spec, context, manager);
        this.keys = new PtNDArray[slots][spec.layers()];
        this.values = new PtNDArray[slots][spec.layers()];
        this.taken = new boolean[slots];
        this.epsilon = (PtNDArray) manager.create((float) spec.rmsEps());
        this.finalNorm = (PtNDArray) weights.norm();
        // Uninitialised: a sequence writes each position before it reads it, and the pages of a slot are only
        // touched (become resident) as far as its sequences have reached.
        Shape cacheShape = new Shape(spec.kvHeads(), context, spec.headDim());
        for (int s = 0; s < slots; s++) {
            for (int l = 0; l < spec.layers(); l++) {
                keys[s][l] = (PtNDArray) manager.create(cacheShape, DataType.FLOAT32);
                values[s][l] = (PtNDArray) manager.create(cacheShape, DataType.FLOAT32);
            }
        }
    }

    /** (cos, sin) of every position times each inverse frequency, as complex numbers: [context, headDim / 2]. */
    private static PtNDArray rotaryTable(LlamaSpec spec, int context, NDManager manager) {
        int half = spec.headDim() / 2;
        float[] table = new float[context * half * 2];
        for (int p = 0; p < context; p++) {
            for (int i = 0; i < half; i++) {
                double angle = p * spec.inverseFrequency()[i];
                table[(p * half + i) * 2] = (float) Math.cos(angle);
                table[(p * half + i) * 2 + 1] = (float) Math.sin(angle);
            }
        }
        try (NDArray pairs = manager.create(table, new Shape(context, half, 2))) {
            return JniUtils.clone(JniUtils.complex((PtNDArray) pairs));
        }
    }

    int context() {
        return context;
    }

    /** Sequences the decoder holds caches for. */
    int slots() {
        return taken.length;
    }

    @Override
    public Sequence open() {
        for (int s = 0; s < taken.length; s++) {
            if (!taken[s]) {
                taken[s] = true;
                return new Sequence(s);
            }
        }
        throw new EngineException("all " + taken.length + " sequences of the model are in use");
    }

    @Override
    public void release(Sequence sequence) {
        // The slot's cache is overwritten position by position by its next sequence.
        taken[sequence.slot] = false;
    }

    @Override
    public float[] prefill(Sequence sequence, int[] tokens) {
        return forward(List.of(sequence), tokens, tokens.length)[0];
    }

    @Override
    public float[][] decode(List<Sequence> sequences, int[] tokens) {
        return forward(sequences, tokens, 1);
    }

    /**
     * Feeds {@code perSequence} tokens to each sequence ({@code tokens} in sequence order) and returns each one's
     * logits for the token after its last. Several tokens per sequence only for one sequence (a prompt).
     *
     * @throws EngineException when the tokens would pass the end of a cache or an id is outside the vocabulary
     */
    private float[][] forward(List<Sequence> sequences, int[] tokens, int perSequence) {
        return forward(sequences, tokens, perSequence, true);
    }

    /**
     * The final hidden state (after the final norm) of the last of {@code tokens}, fed to a fresh sequence: how a
     * decoder embeds, as llama.cpp pools it. Uses a free cache slot for the pass and releases it before it returns;
     * call it between the scheduler's steps.
     *
     * @throws EngineException when no slot is free, the tokens do not fit the context, or an id is outside the
     *                         vocabulary
     */
    float[] lastHiddenState(int[] tokens) {
        Sequence sequence = open();
        try {
            return forward(List.of(sequence), tokens, tokens.length, false)[0];
        } finally {
            release(sequence);
        }
    }

    /** {@link #forward(List, int[], int)}, returning the normalised hidden states instead of logits when asked. */
    private float[][] forward(List<Sequence> sequences, int[] tokens, int perSequence, boolean logitsWanted) {
        int batch = sequences.size();
        if (tokens.length == 0 || tokens.length != batch * perSequence || (batch > 1 && perSequence > 1)) {
            throw new IllegalArgumentException(tokens.length + " tokens for " + batch + " sequences");
        }
        long[] ids = new long[tokens.length];
        long[] positions = new long[tokens.length];
        for (int i = 0; i < tokens.length; i++) {
            if (tokens[i] < 0 || tokens[i] >= spec.vocab()) {
                throw new EngineException("token id " + tokens[i] + " is outside the vocabulary of " + spec.vocab());
            }
            ids[i] = tokens[i];
        }
        for (int b = 0; b < batch; b++) {
            Sequence sequence = sequences.get(b);
            if (sequence.length + perSequence > context) {
                throw new EngineException("cannot feed " + perSequence + " tokens at position " + sequence.length
                        + " of a " + context + "-token context");
            }
            for (int i = 0; i < perSequence; i++) {
                positions[b * perSequence + i] = sequence.length + i;
            }
        }
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            Pass pass = new Pass(sequences, perSequence, positions);
            PtNDArray x = JniUtils.embedding((PtNDArray) manager.create(ids), (PtNDArray) weights.embed(), false);
            for (int l = 0; l < spec.layers(); l++) {
                x = block(pass, l, x);
            }
            PtNDArray last = perSequence > 1 ? slice(x, 0, perSequence - 1, perSequence) : x;
            PtNDArray hidden = JniUtils.mul(normalize(last), finalNorm);
            sequences.forEach(s -> s.length += perSequence);
            if (!logitsWanted) {
                return new float[][] {hidden.toFloatArray()};
            }
            float[] flat = rows(pass, hidden, weights.lmHead(), null).toFloatArray();
            float[][] logits = new float[batch][spec.vocab()];
            for (int b = 0; b < batch; b++) {
                System.arraycopy(flat, b * spec.vocab(), logits[b], 0, spec.vocab());
            }
            return logits;
        }
    }

    /** What every layer of one pass shares. */
    private final class Pass {
        final List<Sequence> sequences;
        final int perSequence;
        /** The rotation of each row's position, complex [rows, 1, headDim / 2]: broadcast over the heads. */
        final PtNDArray rotationNow;
        /** Causal mask of a prompt, [n, n]; null when each sequence gets one token. */
        final PtNDArray mask;

        Pass(List<Sequence> sequences, int perSequence, long[] positions) {
            this.sequences = sequences;
            this.perSequence = perSequence;
            PtNDArray at = (PtNDArray) manager.create(positions);
            this.rotationNow = JniUtils.unsqueeze(JniUtils.embedding(at, rotation, false), 1);
            this.mask = perSequence > 1 ? causalMask(sequences.get(0).length, perSequence) : null;
        }
    }

    private PtNDArray block(Pass pass, int l, PtNDArray x) {
        LlamaWeights.Layer layer = weights.layers().get(l);
        int rows = pass.sequences.size() * pass.perSequence;
        int heads = spec.heads();
        int kvHeads = spec.kvHeads();
        int d = spec.headDim();
        int q = spec.queryDim();
        int kv = spec.kvDim();
        PtNDArray qkv = rows(pass, normalize(x), layer.qkv(), layer.qkvBias());
        // Queries and keys side by side as heads + kvHeads heads of adjacent (real, imaginary) pairs: one complex
        // multiplication rotates them all.
        PtNDArray pairs = JniUtils.reshape(slice(qkv, 1, 0, q + kv), new long[] {rows, heads + kvHeads, d / 2, 2});
        PtNDArray rotated = JniUtils.reshape(JniUtils.real(JniUtils.mul(JniUtils.complex(pairs), pass.rotationNow)),
                new long[] {rows, heads + kvHeads, d});
        PtNDArray query = slice(rotated, 1, 0, heads);
        PtNDArray key = slice(rotated, 1, heads, heads + kvHeads);
        PtNDArray value = JniUtils.reshape(slice(qkv, 1, q + kv, q + 2 * kv), new long[] {rows, kvHeads, d});
        PtNDArray[] attended = new PtNDArray[pass.sequences.size()];
        for (int b = 0; b < attended.length; b++) {
            attended[b] = attend(pass, l, b, query, key, value);
        }
        PtNDArray attention = attended.length == 1 ? attended[0] : JniUtils.cat(attended, 0);
        PtNDArray h = residual(pass, attention, layer.out(), layer.outBias(), x);
        PtNDArray gateUp = rows(pass, normalize(h), layer.gateUp(), null);
        int ffn = spec.intermediate();
        PtNDArray gate = slice(gateUp, 1, 0, ffn);
        PtNDArray up = slice(gateUp, 1, ffn, 2L * ffn);
        PtNDArray activated = JniUtils.mul(JniUtils.mul(gate, JniUtils.sigmoid(gate)), up);
        return residual(pass, activated, layer.down(), null, h);
    }

    /**
     * Sequence {@code b}'s attention in layer {@code l}: writes its new keys and values into its cache and attends
     * over everything it holds. Queries come scaled (see {@link LlamaWeights}). Returns [n, queryDim].
     */
    private PtNDArray attend(Pass pass, int l, int b, PtNDArray query, PtNDArray key, PtNDArray value) {
        Sequence sequence = pass.sequences.get(b);
        int n = pass.perSequence;
        int heads = spec.heads();
        int kvHeads = spec.kvHeads();
        int d = spec.headDim();
        int group = heads / kvHeads;
        int from = b * n;
        int seen = sequence.length + n;
        boolean alone = pass.sequences.size() == 1;
        PtNDArray keyCache = keys[sequence.slot][l];
        PtNDArray valueCache = values[sequence.slot][l];
        long[] start = {0, sequence.length, 0};
        long[] end = {kvHeads, seen, d};
        long[] step = {1, 1, 1};
        JniUtils.indexSet(keyCache, JniUtils.transpose(alone ? key : slice(key, 0, from, from + n), 0, 1), start, end,
                step);
        JniUtils.indexSet(valueCache, JniUtils.transpose(alone ? value : slice(value, 0, from, from + n), 0, 1), start,
                end, step);
        PtNDArray pastKeys = slice(keyCache, 1, 0, seen);
        PtNDArray pastValues = slice(valueCache, 1, 0, seen);
        PtNDArray mine = alone ? query : slice(query, 0, from, from + n);
        // Heads h = kv * group + g share kv head kv: as [kvHeads, group * n, d] one batched product per group. With
        // one token the rows are already in that order.
        PtNDArray grouped = n == 1 ? JniUtils.reshape(mine, new long[] {kvHeads, group, d})
                : JniUtils.reshape(JniUtils.transpose(mine, 0, 1), new long[] {kvHeads, (long) group * n, d});
        PtNDArray scores = JniUtils.matmul(grouped, JniUtils.transpose(pastKeys, 1, 2));
        if (pass.mask != null) {
            scores = JniUtils.reshape(JniUtils.add(JniUtils.reshape(scores, new long[] {kvHeads, group, n, seen}),
                    pass.mask), new long[] {kvHeads, (long) group * n, seen});
        }
        PtNDArray context = JniUtils.matmul(JniUtils.softmax(scores, -1, DataType.FLOAT32), pastValues);
        if (n == 1) {
            return JniUtils.reshape(context, new long[] {1, spec.queryDim()});
        }
        return JniUtils.reshape(JniUtils.transpose(JniUtils.reshape(context, new long[] {heads, n, d}), 0, 1),
                new long[] {n, spec.queryDim()});
    }

    /**
     * {@code x} times a weight matrix: in one product for a prompt or a single sequence, one product per row when
     * the rows belong to different sequences, so that each row is rounded exactly as it would be alone.
     */
    private static PtNDArray rows(Pass pass, PtNDArray x, NDArray weight, NDArray bias) {
        int batch = pass.sequences.size();
        if (batch == 1) {
            return JniUtils.linear(x, (PtNDArray) weight, (PtNDArray) bias);
        }
        PtNDArray[] out = new PtNDArray[batch];
        for (int b = 0; b < batch; b++) {
            out[b] = JniUtils.linear(slice(x, 0, b, b + 1), (PtNDArray) weight, (PtNDArray) bias);
        }
        return JniUtils.cat(out, 0);
    }

    /**
     * {@code residual + x W^T (+ bias)}: without a bias, the residual goes into the product as its addend (one
     * {@code addmm}), one call fewer.
     */
    private static PtNDArray residual(Pass pass, PtNDArray x, NDArray weight, NDArray bias, PtNDArray residual) {
        if (bias != null) {
            return JniUtils.add(residual, rows(pass, x, weight, bias));
        }
        int batch = pass.sequences.size();
        if (batch == 1) {
            return JniUtils.linear(x, (PtNDArray) weight, residual);
        }
        PtNDArray[] out = new PtNDArray[batch];
        for (int b = 0; b < batch; b++) {
            out[b] = JniUtils.linear(slice(x, 0, b, b + 1), (PtNDArray) weight, slice(residual, 0, b, b + 1));
        }
        return JniUtils.cat(out, 0);
    }

    /** -inf where key position j lies after query position i of a prompt fed at {@code position}: [n, seen]. */
    private PtNDArray causalMask(int position, int n) {
        int seen = position + n;
        float[] mask = new float[n * seen];
        for (int i = 0; i < n; i++) {
            for (int j = position + i + 1; j < seen; j++) {
                mask[i * seen + j] = Float.NEGATIVE_INFINITY;
            }
        }
        return (PtNDArray) manager.create(mask, new Shape(n, seen));
    }

    /** {@code x / sqrt(mean(x^2) + eps)} per row: RMSNorm without its weight, which the next projection holds. */
    private PtNDArray normalize(PtNDArray x) {
        PtNDArray meanSquare = JniUtils.mean(JniUtils.square(x), -1, true);
        return JniUtils.div(x, JniUtils.sqrt(JniUtils.add(meanSquare, epsilon)));
    }

    private static PtNDArray slice(PtNDArray x, int axis, long from, long to) {
        return JniUtils.slice(x, axis, from, to, 1);
    }

    @Override
    public void close() {
        manager.close();
    }
}
