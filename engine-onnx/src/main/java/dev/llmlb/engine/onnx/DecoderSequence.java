package dev.llmlb.engine.onnx;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxTensorLike;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.llmlb.api.engine.EngineException;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One generation's state: the tokens fed so far and their KV cache. Each {@link #step} feeds new tokens with the
 * previous run's {@code present.*} outputs as {@code past_key_values.*}, so a token is never recomputed. The
 * previous run's outputs are released once the next run has consumed them; {@link #close} releases the last.
 *
 * <p>Not thread-safe: one thread at a time.
 */
public final class DecoderSequence implements AutoCloseable {

    private final OnnxDecoder decoder;
    private final DecoderConfig config;
    private final GraphSignature signature;
    /** The outputs of the last run; its {@code present.*} tensors are the cache. Null before the first run. */
    private OrtSession.Result cache;
    private int length;
    private boolean closed;

    DecoderSequence(OnnxDecoder decoder) {
        this.decoder = decoder;
        this.config = decoder.config();
        this.signature = decoder.signature();
    }

    /** Tokens fed so far: the positions the KV cache holds. */
    public int length() {
        return length;
    }

    /**
     * Feeds {@code tokens} after those fed so far and returns the logits that predict the next token. A long
     * prompt runs in chunks of {@link OnnxOptions#prefillChunk()} tokens, so at most that many rows of logits
     * exist at once. When a chunk fails, the chunks before it stay in the sequence.
     *
     * @throws EngineException          when ONNX Runtime fails, or the tokens would exceed the model's context
     * @throws IllegalArgumentException when {@code tokens} is empty
     */
    public float[] step(int... tokens) {
        requireTokens(tokens);
        int chunk = decoder.options().prefillChunk();
        float[] last = null;
        for (int from = 0; from < tokens.length; from += chunk) {
            float[][] rows = run(Arrays.copyOfRange(tokens, from, Math.min(tokens.length, from + chunk)), false);
            last = rows[0];
        }
        return last;
    }

    /**
     * Feeds {@code tokens} in one forward pass and returns the logits at every one of their positions (row
     * {@code i} predicts the token after {@code tokens[i]}), for scoring and for checking the cache.
     */
    public float[][] stepAllPositions(int... tokens) {
        requireTokens(tokens);
        return run(tokens, true);
    }

    private void requireTokens(int[] tokens) {
        if (closed) {
            throw new IllegalStateException("the sequence is closed");
        }
        if (tokens.length == 0) {
            throw new IllegalArgumentException("no tokens to feed");
        }
        if ((long) length + tokens.length > config.contextLength()) {
            throw new EngineException("the sequence would hold " + (length + tokens.length) + " tokens, more than "
                    + "the model's context of " + config.contextLength());
        }
    }

    private float[][] run(int[] tokens, boolean allRows) {
        OrtEnvironment env = decoder.environment();
        int total = length + tokens.length;
        List<OnnxTensor> created = new ArrayList<>();
        try {
            Map<String, OnnxTensorLike> inputs = new HashMap<>();
            long[] ids = new long[tokens.length];
            long[] positions = new long[tokens.length];
            for (int i = 0; i < tokens.length; i++) {
                ids[i] = tokens[i];
                positions[i] = length + i;
            }
            long[] mask = new long[total];
            Arrays.fill(mask, 1);
            inputs.put(GraphSignature.INPUT_IDS, track(created, ids(env, ids)));
            inputs.put(GraphSignature.ATTENTION_MASK, track(created, ids(env, mask)));
            if (signature.positionIds()) {
                inputs.put(GraphSignature.POSITION_IDS, track(created, ids(env, positions)));
            }
            if (signature.useCacheBranch()) {
                inputs.put(GraphSignature.USE_CACHE_BRANCH,
                        track(created, OnnxTensor.createTensor(env, new boolean[] {cache != null})));
            }
            for (int l = 0; l < config.layers(); l++) {
                inputs.put(GraphSignature.pastKey(l), past(env, GraphSignature.presentKey(l), created));
                inputs.put(GraphSignature.pastValue(l), past(env, GraphSignature.presentValue(l), created));
            }
            OrtSession.Result result = decoder.session().run(inputs, decoder.outputNames());
            float[][] logits;
            try {
                logits = logits(result, allRows);
            } catch (RuntimeException | OrtException e) {
                result.close();
                throw e;
            }
            OrtSession.Result previous = cache;
            cache = result;
            length = total;
            if (previous != null) {
                previous.close();
            }
            return logits;
        } catch (OrtException e) {
            throw new EngineException("ONNX Runtime failed to run " + decoder.name() + ": " + e.getMessage(), e);
        } finally {
            created.forEach(OnnxTensor::close);
        }
    }

    /** The cache input for one layer: the previous run's output, or an empty tensor before the first run. */
    private OnnxTensorLike past(OrtEnvironment env, String presentName, List<OnnxTensor> created)
            throws OrtException {
        if (cache != null) {
            return (OnnxTensorLike) cache.get(presentName).orElseThrow(
                    () -> new EngineException(decoder.name() + " gave no " + presentName));
        }
        long[] empty = {1, config.kvHeads(), 0, config.headDim()};
        OnnxTensor tensor = signature.kvType() == OnnxJavaType.FLOAT16
                ? OnnxTensor.createTensor(env, ByteBuffer.allocateDirect(0), empty, OnnxJavaType.FLOAT16)
                : OnnxTensor.createTensor(env, FloatBuffer.allocate(0), empty);
        return track(created, tensor);
    }

    /** A {@code [1, n]} tensor of token ids, positions or mask values in the graph's integer type. */
    private OnnxTensor ids(OrtEnvironment env, long[] values) throws OrtException {
        long[] shape = {1, values.length};
        if (signature.idType() == OnnxJavaType.INT32) {
            int[] narrow = new int[values.length];
            for (int i = 0; i < values.length; i++) {
                narrow[i] = Math.toIntExact(values[i]);
            }
            return OnnxTensor.createTensor(env, IntBuffer.wrap(narrow), shape);
        }
        return OnnxTensor.createTensor(env, LongBuffer.wrap(values), shape);
    }

    private static OnnxTensor track(List<OnnxTensor> created, OnnxTensor tensor) {
        created.add(tensor);
        return tensor;
    }

    /** The last row of {@code logits [1, seq, vocab]}, or every row. */
    private float[][] logits(OrtSession.Result result, boolean allRows) throws OrtException {
        OnnxValue value = result.get(GraphSignature.LOGITS).orElseThrow(
                () -> new EngineException(decoder.name() + " gave no logits"));
        if (!(value instanceof OnnxTensor tensor)) {
            throw new EngineException(decoder.name() + " gave logits that are not a tensor");
        }
        long[] shape = ((TensorInfo) tensor.getInfo()).getShape();
        if (shape.length != 3) {
            throw new EngineException(decoder.name() + " gave logits of shape " + Arrays.toString(shape)
                    + ", expected [batch, sequence, vocab]");
        }
        int rows = (int) shape[1];
        int vocab = (int) shape[2];
        FloatBuffer data = tensor.getFloatBuffer();
        if (data == null) {
            throw new EngineException(decoder.name() + " gave logits of type " + tensor.getInfo()
                    + ", expected float or float16");
        }
        int first = allRows ? 0 : rows - 1;
        float[][] out = new float[rows - first][vocab];
        for (int r = first; r < rows; r++) {
            data.get(r * vocab, out[r - first]);
        }
        return out;
    }

    /** Releases the KV cache. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (cache != null) {
            cache.close();
            cache = null;
        }
        decoder.forget(this);
    }
}
