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

import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A decoder-only language model in ONNX Runtime: one session, shared by any number of {@link DecoderSequence}s,
 * each holding its own KV cache. The graph is checked against {@code config.json} when it opens, so a model with
 * an unexpected signature fails at load with a message naming what is missing instead of at the first request.
 *
 * <p>{@link #decode} advances several sequences by one token each in as few passes as exactness allows: batching
 * must never change a sequence's logits. The weight products of ONNX Runtime (MLAS) give a row the same bits in a
 * batch as alone (measured), but attention over a padded cache does not: the graph's softmax sums the padding's
 * zeros with the real scores in a different lane order (last-bit differences, measured). So a graph with ONNX
 * Runtime's {@code GroupQueryAttention}, where each sequence attends over exactly its own length, batches any
 * sequences ({@link Batching#ANY_LENGTHS}); any other graph batches only sequences of equal length, whose pass has
 * no padding ({@link Batching#EQUAL_LENGTHS}).
 *
 * <p>Thread-safe: one pass at a time, under the decoder's lock. Closing the decoder closes its open sequences
 * first, so no native tensor outlives the session.
 */
public final class OnnxDecoder implements AutoCloseable {

    /** Which sequences can share a pass without changing their numbers. */
    public enum Batching {
        /** Sequences of any lengths: each attends over its own (GroupQueryAttention), caches right-padded. */
        ANY_LENGTHS,
        /** Only sequences holding the same number of tokens: no padding in the pass. */
        EQUAL_LENGTHS
    }

    private static final String GROUP_QUERY_ATTENTION = "com.microsoft:GroupQueryAttention";

    private final String name;
    private final DecoderConfig config;
    private final GraphSignature signature;
    private final OnnxOptions options;
    private final OrtEnvironment environment;
    private final OrtSession.SessionOptions sessionOptions;
    private final OrtSession session;
    private final Set<String> outputNames;
    private final List<String> pastNames;
    private final Batching batching;
    private final String device;
    private final Set<DecoderSequence> open = new HashSet<>();
    private boolean closed;
    private long passes;

    private OnnxDecoder(String name, DecoderConfig config, OnnxOptions options, String device, Batching batching,
                        OrtEnvironment environment, OrtSession.SessionOptions sessionOptions, OrtSession session)
            throws OrtException {
        this.batching = batching;
        this.name = name;
        this.device = device;
        this.config = config;
        this.options = options;
        this.environment = environment;
        this.sessionOptions = sessionOptions;
        this.session = session;
        this.signature = GraphSignature.check(name, session.getInputInfo(), session.getOutputInfo(), config);
        Set<String> outputs = new LinkedHashSet<>();
        outputs.add(GraphSignature.LOGITS);
        for (int l = 0; l < config.layers(); l++) {
            outputs.add(GraphSignature.presentKey(l));
            outputs.add(GraphSignature.presentValue(l));
        }
        this.outputNames = Set.copyOf(outputs);
        this.pastNames = KvBatch.names(config.layers(), false);
    }

    /**
     * Opens {@code modelFile}, reading the dimensions from {@code config.json} in its folder or the folder above
     * (HuggingFace ONNX repos keep the graph in {@code onnx/} and the configuration at the top).
     */
    public static OnnxDecoder open(Path modelFile, OnnxOptions options) {
        return open(modelFile, DecoderConfig.read(findConfig(modelFile)), options);
    }

    /**
     * Opens {@code modelFile}; an external-data file it names is read from the model's folder.
     *
     * @throws EngineException when the file cannot be loaded, the provider is not available, or the graph's
     *                         signature does not match a decoder with {@code config}'s dimensions
     */
    public static OnnxDecoder open(Path modelFile, DecoderConfig config, OnnxOptions options) {
        String name = OnnxSessions.displayName(modelFile);
        OrtEnvironment environment = OnnxSessions.environment(modelFile, name);
        OrtSession.SessionOptions sessionOptions = new OrtSession.SessionOptions();
        OrtSession session = null;
        try {
            String device = OnnxSessions.configure(sessionOptions, options);
            session = HiddenStateOutput.createSession(environment, modelFile, sessionOptions, GraphSignature.LOGITS);
            // Runtime and execution-provider libraries are loaded by now.
            ExtractedLibraries.delete();
            Batching batching = GraphOperators.of(modelFile).contains(GROUP_QUERY_ATTENTION)
                    ? Batching.ANY_LENGTHS : Batching.EQUAL_LENGTHS;
            return new OnnxDecoder(name, config, options, device, batching, environment, sessionOptions, session);
        } catch (OrtException | RuntimeException e) {
            throw OnnxSessions.loadFailed(name, session, sessionOptions, e);
        }
    }

    private static Path findConfig(Path modelFile) {
        Path folder = modelFile.toAbsolutePath().getParent();
        for (Path dir : new Path[] {folder, folder.getParent()}) {
            if (dir != null && Files.isRegularFile(dir.resolve("config.json"))) {
                return dir.resolve("config.json");
            }
        }
        throw new EngineException("no config.json beside " + modelFile.getFileName() + " or in the folder above; "
                + "the onnx engine reads the layer and head counts from it");
    }

    /** Starts an empty sequence (no tokens, empty KV cache). Close it when done. */
    public synchronized DecoderSequence newSequence() {
        if (closed) {
            throw new IllegalStateException(name + " is closed");
        }
        DecoderSequence sequence = new DecoderSequence(this);
        open.add(sequence);
        return sequence;
    }

    public DecoderConfig config() {
        return config;
    }

    public GraphSignature signature() {
        return signature;
    }

    public OnnxOptions options() {
        return options;
    }

    /** Where the graph runs: {@code cpu} or {@code cuda:N} (nodes CUDA cannot run fall back to the CPU). */
    public String device() {
        return device;
    }

    /** The graph's name in messages: its folder and file, such as {@code onnx/model.onnx}. */
    public String name() {
        return name;
    }

    /** Sequences opened and not yet closed. */
    public synchronized int openSequences() {
        return open.size();
    }

    /** Forward passes run so far (session runs, prompt chunks included). */
    public synchronized long passes() {
        return passes;
    }

    /** Which sequences this graph can run in one pass. */
    OrtEnvironment environment() {
        return environment;
    }

    /** The session, for passes of their own beside the decoder's (the embedder's); ONNX Runtime runs them safely. */
    OrtSession session() {
        return session;
    }

    public Batching batching() {
        return batching;
    }

    /**
     * Feeds {@code tokens[i]} to {@code sequences.get(i)} and returns each one's logits for the token after it, in
     * one pass per group of sequences that can share one ({@link #batching()}).
     *
     * @throws EngineException when ONNX Runtime fails or a sequence would pass the context; the sequences of the
     *                         failed pass keep their caches as they were
     */
    public synchronized float[][] decode(List<DecoderSequence> sequences, int[] tokens) {
        if (sequences.size() != tokens.length) {
            throw new IllegalArgumentException(tokens.length + " tokens for " + sequences.size() + " sequences");
        }
        for (int i = 0; i < tokens.length; i++) {
            sequences.get(i).requireTokens(new int[] {tokens[i]});
        }
        Map<Integer, List<Integer>> groups = new LinkedHashMap<>();
        for (int i = 0; i < sequences.size(); i++) {
            int key = batching == Batching.ANY_LENGTHS ? 0 : sequences.get(i).length();
            groups.computeIfAbsent(key, k -> new ArrayList<>()).add(i);
        }
        float[][] logits = new float[sequences.size()][];
        for (List<Integer> group : groups.values()) {
            List<Integer> order = inBatchOrder(sequences, group);
            List<DecoderSequence> members = order.stream().map(sequences::get).toList();
            int[] fed = order.stream().mapToInt(i -> tokens[i]).toArray();
            float[][] out = run(members, fed, 1, false);
            for (int k = 0; k < order.size(); k++) {
                logits[order.get(k)] = out[k];
            }
        }
        return logits;
    }

    /** The group's indices in the row order of the batch its sequences share, if they share one: no copying. */
    private static List<Integer> inBatchOrder(List<DecoderSequence> sequences, List<Integer> group) {
        KvBatch batch = sequences.get(group.get(0)).batch();
        if (batch == null || batch.members().size() != group.size()) {
            return group;
        }
        for (int index : group) {
            if (sequences.get(index).batch() != batch) {
                return group;
            }
        }
        List<Integer> order = new ArrayList<>(group.size());
        for (DecoderSequence member : batch.members()) {
            int index = sequences.indexOf(member);
            if (index < 0 || !group.contains(index)) {
                return group;
            }
            order.add(index);
        }
        return order;
    }

    /**
     * One pass: feeds {@code perSequence} tokens to each member ({@code tokens} in member order) and returns each
     * member's logits for the token after its last, or every position's with {@code allRows} (one member only).
     */
    synchronized float[][] run(List<DecoderSequence> members, int[] tokens, int perSequence, boolean allRows) {
        if (closed) {
            throw new IllegalStateException(name + " is closed");
        }
        if (members.size() > 1 && perSequence > 1) {
            throw new IllegalArgumentException("several tokens at once only for one sequence");
        }
        if (batching == Batching.EQUAL_LENGTHS
                && members.stream().mapToInt(DecoderSequence::length).distinct().count() > 1) {
            throw new IllegalArgumentException("sequences of different lengths cannot share a pass of " + name);
        }
        List<OnnxTensor> created = new ArrayList<>();
        try {
            KvBatch batch = members.get(0).batch();
            if (batch == null || !batch.heldBy(members)) {
                KvBatch gathered = KvBatch.gather(environment, members, config, signature.kvType());
                members.forEach(m -> m.moveTo(gathered, m.length()));
                batch = gathered;
            }
            passes++;
            OrtSession.Result result = session.run(inputs(batch, members, tokens, perSequence, created),
                    outputNames);
            float[][] logits;
            KvBatch next;
            try {
                logits = logits(result, members.size(), allRows);
                next = KvBatch.fromResult(members, result, config.layers(), name);
            } catch (RuntimeException | OrtException e) {
                result.close();
                throw e;
            }
            members.forEach(m -> m.moveTo(next, m.length() + perSequence));
            return logits;
        } catch (OrtException e) {
            throw new EngineException("ONNX Runtime failed to run " + name + ": " + e.getMessage(), e);
        } finally {
            created.forEach(OnnxTensor::close);
        }
    }

    /**
     * The inputs of a pass: ids {@code [rows, n]}; the mask {@code [rows, width + n]} with ones over each member's
     * own cached positions and the new ones (padding after a shorter member's positions stays 0); positions from
     * each member's length; the cache.
     */
    private Map<String, OnnxTensorLike> inputs(KvBatch batch, List<DecoderSequence> members, int[] tokens,
                                               int perSequence, List<OnnxTensor> created) throws OrtException {
        int rows = members.size();
        int width = Math.toIntExact(batch.width());
        int total = width + perSequence;
        long[] ids = new long[rows * perSequence];
        long[] positions = new long[rows * perSequence];
        long[] mask = new long[rows * total];
        for (int r = 0; r < rows; r++) {
            int length = members.get(r).length();
            for (int i = 0; i < perSequence; i++) {
                ids[r * perSequence + i] = tokens[r * perSequence + i];
                positions[r * perSequence + i] = length + i;
                mask[r * total + width + i] = 1;
            }
            Arrays.fill(mask, r * total, r * total + length, 1);
        }
        Map<String, OnnxTensorLike> inputs = new HashMap<>();
        inputs.put(GraphSignature.INPUT_IDS, track(created, ids(ids, rows, perSequence)));
        inputs.put(GraphSignature.ATTENTION_MASK, track(created, ids(mask, rows, total)));
        if (signature.positionIds()) {
            inputs.put(GraphSignature.POSITION_IDS, track(created, ids(positions, rows, perSequence)));
        }
        if (signature.useCacheBranch()) {
            inputs.put(GraphSignature.USE_CACHE_BRANCH,
                    track(created, OnnxTensor.createTensor(environment, new boolean[] {width > 0})));
        }
        List<? extends OnnxTensorLike> past = batch.tensors();
        for (int i = 0; i < pastNames.size(); i++) {
            inputs.put(pastNames.get(i), past.get(i));
        }
        return inputs;
    }

    /** A {@code [rows, columns]} tensor of token ids, positions or mask values in the graph's integer type. */
    private OnnxTensor ids(long[] values, int rows, int columns) throws OrtException {
        long[] shape = {rows, columns};
        if (signature.idType() == OnnxJavaType.INT32) {
            int[] narrow = new int[values.length];
            for (int i = 0; i < values.length; i++) {
                narrow[i] = Math.toIntExact(values[i]);
            }
            return OnnxTensor.createTensor(environment, IntBuffer.wrap(narrow), shape);
        }
        return OnnxTensor.createTensor(environment, LongBuffer.wrap(values), shape);
    }

    private static OnnxTensor track(List<OnnxTensor> created, OnnxTensor tensor) {
        created.add(tensor);
        return tensor;
    }

    /** The last position's row of {@code logits [rows, seq, vocab]} for each row, or every position of row 0. */
    private float[][] logits(OrtSession.Result result, int rows, boolean allRows) throws OrtException {
        OnnxValue value = result.get(GraphSignature.LOGITS).orElseThrow(
                () -> new EngineException(name + " gave no logits"));
        if (!(value instanceof OnnxTensor tensor)) {
            throw new EngineException(name + " gave logits that are not a tensor");
        }
        long[] shape = ((TensorInfo) tensor.getInfo()).getShape();
        if (shape.length != 3 || shape[0] != rows) {
            throw new EngineException(name + " gave logits of shape " + Arrays.toString(shape)
                    + ", expected [" + rows + ", sequence, vocab]");
        }
        int positions = (int) shape[1];
        int vocab = (int) shape[2];
        FloatBuffer data = tensor.getFloatBuffer();
        if (data == null) {
            throw new EngineException(name + " gave logits of type " + tensor.getInfo()
                    + ", expected float or float16");
        }
        if (allRows) {
            float[][] out = new float[positions][vocab];
            for (int p = 0; p < positions; p++) {
                data.get(p * vocab, out[p]);
            }
            return out;
        }
        float[][] out = new float[rows][vocab];
        for (int r = 0; r < rows; r++) {
            data.get((r * positions + positions - 1) * vocab, out[r]);
        }
        return out;
    }

    /** Closes a sequence: its share of the cache is released under the lock, never under a running pass. */
    synchronized void release(DecoderSequence sequence) {
        sequence.closeUnderLock();
        open.remove(sequence);
    }

    /** Closes every open sequence, then the session. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<DecoderSequence> live = new ArrayList<>(open);
        live.forEach(this::release);
        OnnxSessions.closeQuietly(session);
        sessionOptions.close();
    }
}
