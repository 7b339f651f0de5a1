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
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The KV cache of the sequences that ran in one pass, as the graph gave it: {@code present.N.key/value} of shape
 * {@code [rows, kv_heads, width, head_dim]}, row {@code i} belonging to {@code members.get(i)}, whose valid positions
 * are {@code 0 .. length - 1} (the rest padding). It is fed back as {@code past_key_values.*} as is while the same
 * sequences run together; when they regroup, their rows are copied into a new batch ({@link #gather}). Freed when its
 * last member has moved on.
 *
 * <p>Not thread-safe: used under the decoder's lock.
 */
final class KvBatch {

    private final List<DecoderSequence> members;
    /** The {@code past_key_values.*} inputs, in {@link #names} order. */
    private final List<OnnxTensor> tensors;
    /** What owns the tensors: the run's result, or the tensors themselves when gathered. */
    private final AutoCloseable owner;
    private final long width;
    private int live;

    private KvBatch(List<DecoderSequence> members, List<OnnxTensor> tensors, AutoCloseable owner, long width) {
        this.members = List.copyOf(members);
        this.tensors = tensors;
        this.owner = owner;
        this.width = width;
        this.live = members.size();
    }

    /** The cache names, {@code key} then {@code value} for each layer. */
    static List<String> names(int layers, boolean present) {
        List<String> names = new ArrayList<>(2 * layers);
        for (int l = 0; l < layers; l++) {
            names.add(present ? GraphSignature.presentKey(l) : GraphSignature.pastKey(l));
            names.add(present ? GraphSignature.presentValue(l) : GraphSignature.pastValue(l));
        }
        return names;
    }

    /** The cache a run gave its {@code members} (rows in that order). */
    static KvBatch fromResult(List<DecoderSequence> members, OrtSession.Result result, int layers, String model) {
        List<OnnxTensor> tensors = new ArrayList<>(2 * layers);
        long width = -1;
        for (String name : names(layers, true)) {
            OnnxValue value = result.get(name).orElseThrow(() -> new EngineException(model + " gave no " + name));
            if (!(value instanceof OnnxTensor tensor)) {
                throw new EngineException(model + " gave " + name + " that is not a tensor");
            }
            long[] shape = ((TensorInfo) tensor.getInfo()).getShape();
            if (shape.length != 4 || shape[0] != members.size()) {
                throw new EngineException(model + " gave " + name + " of shape " + java.util.Arrays.toString(shape)
                        + " for " + members.size() + " sequences");
            }
            width = shape[2];
            tensors.add(tensor);
        }
        return new KvBatch(members, tensors, result, width);
    }

    /**
     * A new batch holding the caches of {@code members} (in that order), each copied from the batch it is in now,
     * right-padded to the longest.
     */
    static KvBatch gather(OrtEnvironment env, List<DecoderSequence> members, DecoderConfig config,
                          OnnxJavaType type) throws OrtException {
        int elementBytes = type == OnnxJavaType.FLOAT16 ? 2 : 4;
        long width = members.stream().mapToLong(DecoderSequence::length).max().orElse(0);
        int heads = config.kvHeads();
        int rowBytes = config.headDim() * elementBytes;
        List<OnnxTensor> tensors = new ArrayList<>(2 * config.layers());
        Map<KvBatch, ByteBuffer> sources = new IdentityHashMap<>();
        try {
            for (int t = 0; t < 2 * config.layers(); t++) {
                ByteBuffer out = ByteBuffer.allocateDirect(Math.toIntExact(
                        members.size() * heads * width * rowBytes)).order(ByteOrder.nativeOrder());
                sources.clear();
                for (int m = 0; m < members.size(); m++) {
                    DecoderSequence member = members.get(m);
                    KvBatch from = member.batch();
                    if (from == null || member.length() == 0) {
                        continue;
                    }
                    int index = t;
                    ByteBuffer source = sources.computeIfAbsent(from, b -> b.bytes(index));
                    int row = from.members.indexOf(member);
                    for (int h = 0; h < heads; h++) {
                        int at = Math.toIntExact(((long) row * heads + h) * from.width * rowBytes);
                        int target = Math.toIntExact(((long) m * heads + h) * width * rowBytes);
                        out.put(target, source, at, member.length() * rowBytes);
                    }
                }
                tensors.add(OnnxTensor.createTensor(env, out, new long[] {members.size(), heads, width,
                        config.headDim()}, type));
            }
        } catch (OrtException | RuntimeException e) {
            tensors.forEach(OnnxTensor::close);
            throw e;
        }
        return new KvBatch(members, tensors, () -> tensors.forEach(OnnxTensor::close), width);
    }

    /** The raw bytes of cache tensor {@code index}, copied out of ONNX Runtime. */
    private ByteBuffer bytes(int index) {
        return tensors.get(index).getByteBuffer().order(ByteOrder.nativeOrder());
    }

    /** The sequences the rows were made for, in row order; some may have moved on since. */
    List<DecoderSequence> members() {
        return members;
    }

    /** Whether {@code sequences} are exactly this batch's rows, in order, and all still here. */
    boolean heldBy(List<DecoderSequence> sequences) {
        if (!members.equals(sequences)) {
            return false;
        }
        for (DecoderSequence sequence : sequences) {
            if (sequence.batch() != this) {
                return false;
            }
        }
        return true;
    }

    /** The positions each row has room for; members hold at most this many. */
    long width() {
        return width;
    }

    /** The {@code past_key_values.*} inputs for the next run of exactly these members. */
    List<? extends OnnxTensorLike> tensors() {
        return tensors;
    }

    /** A member moves to another batch or is released; the last one out frees the cache. */
    void leave() {
        if (--live == 0) {
            try {
                owner.close();
            } catch (Exception e) {
                // Nothing left that a caller could act on.
            }
        }
    }
}
