package dev.llmlb.engine.onnx;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxTensorLike;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.llmlb.api.engine.EngineException;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Embeddings from a decoder graph: the final hidden state ({@link HiddenStateOutput#NAME}) at each input's last token,
 * as llama.cpp pools a decoder. Short inputs run together, right-padded (causal attention keeps every real token
 * from seeing the padding after it); an input longer than {@link OnnxOptions#prefillChunk()} runs alone in chunks
 * through the KV cache, so no run materialises more logits than a generation's prefill does.
 */
final class DecoderEmbedder {

    private final OnnxDecoder decoder;
    private final DecoderConfig config;
    private final GraphSignature signature;

    private DecoderEmbedder(OnnxDecoder decoder) {
        this.decoder = decoder;
        this.config = decoder.config();
        this.signature = decoder.signature();
    }

    /** An embedder when the decoder's graph gives its hidden state; empty when it does not. */
    static java.util.Optional<DecoderEmbedder> of(OnnxDecoder decoder) {
        try {
            return decoder.session().getOutputNames().contains(HiddenStateOutput.NAME)
                    ? java.util.Optional.of(new DecoderEmbedder(decoder)) : java.util.Optional.empty();
        } catch (RuntimeException e) {
            return java.util.Optional.empty();
        }
    }

    /** Rows per padded run: every row of a run fits the prefill chunk together. */
    int maxPaddedTokens() {
        return decoder.options().prefillChunk();
    }

    /**
     * The last token's final hidden state of each row.
     *
     * @param rows      token ids per input
     * @param positions the longest row's length
     */
    float[][] lastHiddenStates(int[][] rows, int positions) {
        if (rows.length == 1 && positions > maxPaddedTokens()) {
            return new float[][] {chunked(rows[0])};
        }
        try (OrtSession.Result result = run(rows, positions, 0, null, Set.of(HiddenStateOutput.NAME))) {
            return lastRows(result, rows, positions);
        } catch (OrtException e) {
            throw new EngineException("ONNX Runtime failed to embed with " + decoder.name() + ": " + e.getMessage(), e);
        }
    }

    /** One long input in chunks, each chunk's KV cache fed to the next. */
    private float[] chunked(int[] tokens) {
        Set<String> outputs = new LinkedHashSet<>();
        outputs.add(HiddenStateOutput.NAME);
        for (int l = 0; l < config.layers(); l++) {
            outputs.add(GraphSignature.presentKey(l));
            outputs.add(GraphSignature.presentValue(l));
        }
        int chunk = maxPaddedTokens();
        OrtSession.Result cache = null;
        try {
            for (int from = 0; ; from += chunk) {
                int to = Math.min(tokens.length, from + chunk);
                int[] part = java.util.Arrays.copyOfRange(tokens, from, to);
                OrtSession.Result next = run(new int[][] {part}, part.length, from, cache, outputs);
                if (cache != null) {
                    cache.close();
                }
                cache = next;
                if (to == tokens.length) {
                    return lastRows(cache, new int[][] {part}, part.length)[0];
                }
            }
        } catch (OrtException e) {
            throw new EngineException("ONNX Runtime failed to embed with " + decoder.name() + ": " + e.getMessage(), e);
        } finally {
            if (cache != null) {
                cache.close();
            }
        }
    }

    private OrtSession.Result run(int[][] rows, int positions, int past, OrtSession.Result cache, Set<String> outputs)
            throws OrtException {
        OrtEnvironment env = decoder.environment();
        int batch = rows.length;
        long[] ids = new long[batch * positions];
        long[] mask = new long[batch * (past + positions)];
        long[] positionIds = new long[batch * positions];
        for (int r = 0; r < batch; r++) {
            for (int p = 0; p < past; p++) {
                mask[r * (past + positions) + p] = 1;
            }
            for (int p = 0; p < positions; p++) {
                positionIds[r * positions + p] = past + p;
                if (p < rows[r].length) {
                    ids[r * positions + p] = rows[r][p];
                    mask[r * (past + positions) + past + p] = 1;
                }
            }
        }
        List<OnnxTensor> created = new ArrayList<>();
        try {
            Map<String, OnnxTensorLike> inputs = new HashMap<>();
            inputs.put(GraphSignature.INPUT_IDS, track(created, ids(env, ids, new long[] {batch, positions})));
            inputs.put(GraphSignature.ATTENTION_MASK,
                    track(created, ids(env, mask, new long[] {batch, past + positions})));
            if (signature.positionIds()) {
                inputs.put(GraphSignature.POSITION_IDS,
                        track(created, ids(env, positionIds, new long[] {batch, positions})));
            }
            if (signature.useCacheBranch()) {
                inputs.put(GraphSignature.USE_CACHE_BRANCH,
                        track(created, OnnxTensor.createTensor(env, new boolean[] {cache != null})));
            }
            for (int l = 0; l < config.layers(); l++) {
                for (String[] names : new String[][] {{GraphSignature.pastKey(l), GraphSignature.presentKey(l)},
                        {GraphSignature.pastValue(l), GraphSignature.presentValue(l)}}) {
                    inputs.put(names[0], cache != null
                            ? (OnnxTensorLike) cache.get(names[1]).orElseThrow(
                                    () -> new EngineException(decoder.name() + " gave no " + names[1]))
                            : track(created, emptyCache(env, batch)));
                }
            }
            return decoder.session().run(inputs, outputs);
        } finally {
            created.forEach(OnnxTensor::close);
        }
    }

    private float[][] lastRows(OrtSession.Result result, int[][] rows, int positions) {
        OnnxTensor states = (OnnxTensor) result.get(HiddenStateOutput.NAME).orElseThrow(
                () -> new EngineException(decoder.name() + " gave no hidden state"));
        long[] shape = states.getInfo().getShape();
        int hidden = (int) shape[shape.length - 1];
        FloatBuffer values = states.getFloatBuffer();
        float[][] out = new float[rows.length][hidden];
        for (int r = 0; r < rows.length; r++) {
            values.get((r * positions + rows[r].length - 1) * hidden, out[r]);
        }
        return out;
    }

    private OnnxTensor emptyCache(OrtEnvironment env, int batch) throws OrtException {
        long[] shape = {batch, config.kvHeads(), 0, config.headDim()};
        return signature.kvType() == OnnxJavaType.FLOAT16
                ? OnnxTensor.createTensor(env, ByteBuffer.allocateDirect(0), shape, OnnxJavaType.FLOAT16)
                : OnnxTensor.createTensor(env, FloatBuffer.allocate(0), shape);
    }

    private OnnxTensor ids(OrtEnvironment env, long[] values, long[] shape) throws OrtException {
        if (signature.idType() == OnnxJavaType.INT32) {
            int[] narrow = new int[values.length];
            for (int i = 0; i < values.length; i++) {
                narrow[i] = (int) values[i];
            }
            return OnnxTensor.createTensor(env, IntBuffer.wrap(narrow), shape);
        }
        return OnnxTensor.createTensor(env, LongBuffer.wrap(values), shape);
    }

    private static OnnxTensor track(List<OnnxTensor> created, OnnxTensor tensor) {
        created.add(tensor);
        return tensor;
    }
}
