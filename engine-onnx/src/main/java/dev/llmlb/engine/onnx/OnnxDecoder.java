package dev.llmlb.engine.onnx;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import dev.llmlb.api.engine.EngineException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A decoder-only language model in ONNX Runtime: one session, shared by any number of {@link DecoderSequence}s,
 * each holding its own KV cache. The graph is checked against {@code config.json} when it opens, so a model with
 * an unexpected signature fails at load with a message naming what is missing instead of at the first request.
 *
 * <p>Thread-safe: sequences may run on different threads at once (ONNX Runtime sessions allow concurrent runs);
 * one sequence belongs to one thread at a time. Closing the decoder closes its open sequences first, so no native
 * tensor outlives the session.
 */
public final class OnnxDecoder implements AutoCloseable {

    private final String name;
    private final DecoderConfig config;
    private final GraphSignature signature;
    private final OnnxOptions options;
    private final OrtEnvironment environment;
    private final OrtSession.SessionOptions sessionOptions;
    private final OrtSession session;
    private final Set<String> outputNames;
    private final String device;
    private final Set<DecoderSequence> open = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    private OnnxDecoder(String name, DecoderConfig config, OnnxOptions options, String device,
                        OrtEnvironment environment, OrtSession.SessionOptions sessionOptions, OrtSession session)
            throws OrtException {
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
        String name = modelFile.getParent() != null && modelFile.getParent().getFileName() != null
                ? modelFile.getParent().getFileName() + "/" + modelFile.getFileName()
                : modelFile.getFileName().toString();
        if (!Files.isRegularFile(modelFile)) {
            throw new EngineException("ONNX model file " + name + " does not exist");
        }
        CommandLineGuard.check();
        OrtEnvironment environment = OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
                "llmlb-onnx");
        OrtSession.SessionOptions sessionOptions = new OrtSession.SessionOptions();
        OrtSession session = null;
        try {
            sessionOptions.setSessionLogLevel(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);
            sessionOptions.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            if (options.threads() > 0) {
                sessionOptions.setIntraOpNumThreads(options.threads());
            }
            if (!options.spin()) {
                sessionOptions.addConfigEntry("session.intra_op.allow_spinning", "0");
            }
            String device = addProvider(sessionOptions, options);
            session = HiddenStateOutput.createSession(environment, modelFile, sessionOptions, GraphSignature.LOGITS);
            // Runtime and execution-provider libraries are loaded by now.
            ExtractedLibraries.delete();
            return new OnnxDecoder(name, config, options, device, environment, sessionOptions, session);
        } catch (OrtException | RuntimeException e) {
            closeQuietly(session);
            sessionOptions.close();
            if (e instanceof EngineException engine) {
                throw engine;
            }
            throw new EngineException("ONNX Runtime cannot load " + name + ": " + e.getMessage(), e);
        }
    }

    /** Turns on CUDA when asked (or when {@code auto} finds it); returns the device, such as {@code cuda:0}. */
    static String addProvider(OrtSession.SessionOptions sessionOptions, OnnxOptions options)
            throws OrtException {
        boolean cudaAvailable = OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA);
        if (options.provider() == OnnxOptions.Provider.CUDA && !cudaAvailable) {
            throw new EngineException(OnnxOptions.PROVIDER + "=cuda but this ONNX Runtime has no CUDA provider "
                    + "(available: " + OrtEnvironment.getAvailableProviders() + "): replace the onnxruntime jar "
                    + "in plugins/engine-onnx with onnxruntime_gpu of the same version");
        }
        if (options.provider() == OnnxOptions.Provider.CPU || !cudaAvailable) {
            return "cpu";
        }
        sessionOptions.addCUDA(options.cudaDevice());
        return "cuda:" + options.cudaDevice();
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
    public DecoderSequence newSequence() {
        if (closed) {
            throw new IllegalStateException(name + " is closed");
        }
        DecoderSequence sequence = new DecoderSequence(this);
        open.add(sequence);
        if (closed) {
            // Lost a race with close(): do not leave a sequence on a closed session.
            sequence.close();
            throw new IllegalStateException(name + " is closed");
        }
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
    public int openSequences() {
        return open.size();
    }

    OrtEnvironment environment() {
        return environment;
    }

    OrtSession session() {
        return session;
    }

    Set<String> outputNames() {
        return outputNames;
    }

    void forget(DecoderSequence sequence) {
        open.remove(sequence);
    }

    /** Closes every open sequence, then the session. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<DecoderSequence> live = new ArrayList<>(open);
        live.forEach(DecoderSequence::close);
        closeQuietly(session);
        sessionOptions.close();
    }

    private static void closeQuietly(OrtSession session) {
        if (session != null) {
            try {
                session.close();
            } catch (OrtException e) {
                // Nothing left to release that the caller could act on.
            }
        }
    }
}
