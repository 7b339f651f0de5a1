package dev.llmlb.engine.onnx;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import dev.llmlb.api.engine.EngineException;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What opening any ONNX graph of this engine shares, decoder or encoder: the name a model file goes by in messages,
 * the environment, the session options built from {@link OnnxOptions} (threads, spinning, execution provider), and
 * how a failed load is cleaned up and reported.
 */
final class OnnxSessions {

    private OnnxSessions() {
    }

    /** {@code folder/file.onnx}: enough to tell a model's graphs apart in a message. */
    static String displayName(Path modelFile) {
        return modelFile.getParent() != null && modelFile.getParent().getFileName() != null
                ? modelFile.getParent().getFileName() + "/" + modelFile.getFileName()
                : modelFile.getFileName().toString();
    }

    /** The ONNX Runtime environment, once the file is known to exist and the JVM may load native code. */
    static OrtEnvironment environment(Path modelFile, String name) {
        if (!Files.isRegularFile(modelFile)) {
            throw new EngineException("ONNX model file " + name + " does not exist");
        }
        CommandLineGuard.check();
        return OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR, "llmlb-onnx");
    }

    /**
     * Sets {@code sessionOptions} up as {@code options} ask: quiet logs, every graph optimisation, the intra-op
     * threads, spinning, and the execution provider.
     *
     * @return the device the session will run on, such as {@code cpu} or {@code cuda:0}
     */
    static String configure(OrtSession.SessionOptions sessionOptions, OnnxOptions options) throws OrtException {
        sessionOptions.setSessionLogLevel(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);
        sessionOptions.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        if (options.threads() > 0) {
            sessionOptions.setIntraOpNumThreads(options.threads());
        }
        if (!options.spin()) {
            sessionOptions.addConfigEntry("session.intra_op.allow_spinning", "0");
        }
        return addProvider(sessionOptions, options);
    }

    /** Turns on CUDA when asked (or when {@code auto} finds it); returns the device, such as {@code cuda:0}. */
    private static String addProvider(OrtSession.SessionOptions sessionOptions, OnnxOptions options)
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

    /**
     * Releases what a load that failed had opened (the session may be null) and says why it failed: an
     * {@link EngineException} as it is, anything else as ONNX Runtime's refusal to load {@code name}.
     */
    static EngineException loadFailed(String name, OrtSession session, OrtSession.SessionOptions sessionOptions,
                                      Exception e) {
        closeQuietly(session);
        sessionOptions.close();
        if (e instanceof EngineException engine) {
            return engine;
        }
        return new EngineException("ONNX Runtime cannot load " + name + ": " + e.getMessage(), e);
    }

    static void closeQuietly(OrtSession session) {
        if (session == null) {
            return;
        }
        try {
            session.close();
        } catch (OrtException ignored) {
            // nothing more to release
        }
    }
}
