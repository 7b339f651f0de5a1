package dev.llmlb.engine.onnx;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.llmlb.api.engine.EngineException;
import dev.llmlb.engine.hf.embed.TokenEncoder;

import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An encoder exported to ONNX for feature extraction (BERT and its relatives, as Optimum and transformers.js export
 * them): inputs {@code input_ids}, {@code attention_mask} and, when the graph takes it, {@code token_type_ids}, all
 * {@code [batch, sequence]}; output {@code last_hidden_state [batch, sequence, hidden]} (or {@code token_embeddings},
 * as sentence-transformers' own exports name it). The graph is checked when it opens. Thread-safe: ONNX Runtime
 * sessions take concurrent runs.
 */
final class OnnxEncoder implements TokenEncoder {

    static final String TOKEN_TYPE_IDS = "token_type_ids";
    private static final List<String> OUTPUTS = List.of("last_hidden_state", "token_embeddings");

    private final String name;
    private final OrtEnvironment environment;
    private final OrtSession.SessionOptions sessionOptions;
    private final OrtSession session;
    private final String device;
    private final boolean tokenTypes;
    private final OnnxJavaType idType;
    private final String output;
    private final int hidden;
    private final long padId;

    private OnnxEncoder(String name, OrtEnvironment environment, OrtSession.SessionOptions sessionOptions,
                        OrtSession session, String device, int hidden, int padId) throws OrtException {
        this.name = name;
        this.environment = environment;
        this.sessionOptions = sessionOptions;
        this.session = session;
        this.device = device;
        this.hidden = hidden;
        this.padId = padId;
        Map<String, NodeInfo> inputs = session.getInputInfo();
        List<String> problems = new ArrayList<>();
        for (String required : List.of(GraphSignature.INPUT_IDS, GraphSignature.ATTENTION_MASK)) {
            if (!inputs.containsKey(required)) {
                problems.add("no input " + required);
            }
        }
        List<String> unknown = inputs.keySet().stream().filter(n -> !Set.of(GraphSignature.INPUT_IDS,
                GraphSignature.ATTENTION_MASK, TOKEN_TYPE_IDS).contains(n)).sorted().toList();
        if (!unknown.isEmpty()) {
            problems.add("inputs the onnx engine cannot feed: " + String.join(", ", unknown));
        }
        OnnxJavaType type = inputs.containsKey(GraphSignature.INPUT_IDS)
                ? ((TensorInfo) inputs.get(GraphSignature.INPUT_IDS).getInfo()).type : OnnxJavaType.INT64;
        if (type != OnnxJavaType.INT64 && type != OnnxJavaType.INT32) {
            problems.add("input_ids is " + type + ", expected int64 or int32");
        }
        this.idType = type;
        this.tokenTypes = inputs.containsKey(TOKEN_TYPE_IDS);
        this.output = OUTPUTS.stream().filter(session.getOutputInfo()::containsKey).findFirst().orElse(null);
        if (output == null) {
            problems.add("no output " + String.join(" or ", OUTPUTS) + " (it has " + session.getOutputNames() + ")");
        } else if (session.getOutputInfo().get(output).getInfo() instanceof TensorInfo info) {
            long[] shape = info.getShape();
            if (info.type != OnnxJavaType.FLOAT || shape.length != 3 || (shape[2] > 0 && shape[2] != hidden)) {
                problems.add(output + " is " + info.type + " " + java.util.Arrays.toString(shape)
                        + ", expected float [batch, sequence, " + hidden + "] (hidden_size of config.json)");
            }
        }
        if (!problems.isEmpty()) {
            throw new EngineException(name + " does not have the encoder signature the onnx engine runs (inputs "
                    + "input_ids, attention_mask, optional token_type_ids; output last_hidden_state): "
                    + String.join("; ", problems));
        }
    }

    /**
     * Opens an encoder graph.
     *
     * @param hidden the states' width, {@code hidden_size} of {@code config.json}
     * @param padId  the id written at padded positions
     * @throws EngineException when the file cannot be loaded or the graph is not an encoder the engine can feed
     */
    static OnnxEncoder open(Path modelFile, int hidden, int padId, OnnxOptions options) {
        String name = OnnxSessions.displayName(modelFile);
        OrtEnvironment environment = OnnxSessions.environment(modelFile, name);
        OrtSession.SessionOptions sessionOptions = new OrtSession.SessionOptions();
        OrtSession session = null;
        try {
            String device = OnnxSessions.configure(sessionOptions, options);
            session = environment.createSession(modelFile.toString(), sessionOptions);
            ExtractedLibraries.delete();
            return new OnnxEncoder(name, environment, sessionOptions, session, device, hidden, padId);
        } catch (OrtException | RuntimeException e) {
            throw OnnxSessions.loadFailed(name, session, sessionOptions, e);
        }
    }

    String device() {
        return device;
    }

    @Override
    public int hiddenSize() {
        return hidden;
    }

    @Override
    public float[] hiddenStates(int[][] rows, int positions) {
        int batch = rows.length;
        long[] shape = {batch, positions};
        long[] ids = new long[batch * positions];
        long[] mask = new long[batch * positions];
        java.util.Arrays.fill(ids, padId);
        for (int r = 0; r < batch; r++) {
            for (int p = 0; p < rows[r].length; p++) {
                ids[r * positions + p] = rows[r][p];
                mask[r * positions + p] = 1;
            }
        }
        List<OnnxTensor> created = new ArrayList<>();
        try {
            Map<String, OnnxTensor> inputs = new HashMap<>();
            inputs.put(GraphSignature.INPUT_IDS, track(created, tensor(ids, shape)));
            inputs.put(GraphSignature.ATTENTION_MASK, track(created, tensor(mask, shape)));
            if (tokenTypes) {
                inputs.put(TOKEN_TYPE_IDS, track(created, tensor(new long[ids.length], shape)));
            }
            try (OrtSession.Result result = session.run(inputs, Set.of(output))) {
                OnnxValue value = result.get(output).orElseThrow();
                FloatBuffer states = ((OnnxTensor) value).getFloatBuffer();
                float[] out = new float[batch * positions * hidden];
                if (states.remaining() != out.length) {
                    throw new EngineException(name + " gave " + states.remaining() + " values for " + batch + " x "
                            + positions + " x " + hidden + " states");
                }
                states.get(out);
                return out;
            }
        } catch (OrtException e) {
            throw new EngineException("ONNX Runtime failed to run " + name + ": " + e.getMessage(), e);
        } finally {
            created.forEach(OnnxTensor::close);
        }
    }

    private OnnxTensor tensor(long[] values, long[] shape) throws OrtException {
        if (idType == OnnxJavaType.INT32) {
            int[] narrow = new int[values.length];
            for (int i = 0; i < values.length; i++) {
                narrow[i] = (int) values[i];
            }
            return OnnxTensor.createTensor(environment, IntBuffer.wrap(narrow), shape);
        }
        return OnnxTensor.createTensor(environment, LongBuffer.wrap(values), shape);
    }

    private static OnnxTensor track(List<OnnxTensor> created, OnnxTensor tensor) {
        created.add(tensor);
        return tensor;
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            // Nothing left to release that the caller could act on.
        } finally {
            sessionOptions.close();
        }
    }
}
