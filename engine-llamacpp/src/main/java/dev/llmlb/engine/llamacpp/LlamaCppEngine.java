package dev.llmlb.engine.llamacpp;

import de.kherud.llama.LlamaModel;
import de.kherud.llama.LogLevel;
import de.kherud.llama.ModelParameters;
import de.kherud.llama.args.LogFormat;
import de.kherud.llama.args.PoolingType;
import dev.llmlb.api.engine.EngineException;
import dev.llmlb.api.engine.InferenceEngine;
import dev.llmlb.api.engine.LoadOptions;
import dev.llmlb.api.engine.LoadedModel;
import dev.llmlb.api.engine.LocalModel;

import java.lang.System.Logger.Level;
import java.util.Optional;

/** Runs GGUF models with llama.cpp, through java-llama.cpp. */
final class LlamaCppEngine implements InferenceEngine {

    private static final System.Logger LOG = System.getLogger(LlamaCppEngine.class.getName());
    private static final System.Logger NATIVE = System.getLogger("llama.cpp");

    private final int maxContext;

    LlamaCppEngine(int maxContext, boolean nativeLogToStderr) {
        this.maxContext = maxContext;
        if (!nativeLogToStderr) {
            // llama.cpp logs every tensor it loads; keep that in the node's debug log, warnings stay visible.
            LlamaModel.setLogger(LogFormat.TEXT, (level, message) -> NATIVE.log(
                    level == LogLevel.ERROR ? Level.ERROR : level == LogLevel.WARN ? Level.WARNING : Level.DEBUG,
                    message.stripTrailing()));
        }
    }

    @Override
    public Optional<String> unsupportedReason(LocalModel model) {
        try {
            GgufMetadata.read(model.entryFile());
            return Optional.empty();
        } catch (EngineException e) {
            return Optional.of(e.getMessage());
        }
    }

    @Override
    public long estimateMemoryBytes(LocalModel model) {
        GgufMetadata meta = GgufMetadata.read(model.entryFile());
        return model.totalBytes() + kvCacheBytes(meta, contextFor(meta, 0));
    }

    int contextFor(GgufMetadata meta, int requested) {
        int own = (int) Math.min(Integer.MAX_VALUE, meta.archNumber("context_length").orElse(2048L));
        int wanted = requested > 0 ? requested : Math.min(own, maxContext);
        return Math.max(16, Math.min(wanted, own));
    }

    /** K and V of every layer for every position, in llama.cpp's default f16. */
    static long kvCacheBytes(GgufMetadata meta, int context) {
        long layers = meta.archNumber("block_count").orElse(32L);
        long embedding = meta.archNumber("embedding_length").orElse(4096L);
        long heads = meta.archNumber("attention.head_count").orElse(32L);
        long kvHeads = meta.archNumber("attention.head_count_kv").orElse(heads);
        long kvDim = embedding / Math.max(1, heads) * kvHeads;
        return 2L * layers * context * kvDim * 2;
    }

    @Override
    public LoadedModel load(LocalModel model, LoadOptions options) {
        GgufMetadata meta = GgufMetadata.read(model.entryFile());
        int context = contextFor(meta, options.contextLength());
        ModelParameters parameters = parameters(model, options, context);
        if (meta.string("tokenizer.chat_template").isEmpty()) {
            LOG.log(Level.INFO, "{0} has no chat template; using ChatML", model.id());
            parameters.setChatTemplate(ChatTemplates.CHATML);
        }
        boolean gpu = options.useGpu() && System.getProperty("de.kherud.llama.lib.path") != null;
        if (options.useGpu() && !gpu) {
            LOG.log(Level.INFO, "GPU offload asked for {0}, but the bundled llama.cpp natives are CPU-only; set "
                    + "-Dde.kherud.llama.lib.path to a CUDA build to use the GPU", model.id());
        }
        try {
            LlamaModel llama = new LlamaModel(parameters);
            // Embeddings pool the last token's hidden state, as decoder-only embedding models do (mean pooling
            // aborts inside this llama.cpp build: GGML_ASSERT(ggml_can_mul_mat(a, b))).
            return new LlamaCppModel(llama, meta, context, model, gpu ? "gpu" : "cpu",
                    model.totalBytes() + kvCacheBytes(meta, context),
                    () -> new LlamaModel(parameters(model, options, context).enableEmbedding()
                            .setPoolingType(PoolingType.LAST)));
        } catch (RuntimeException e) {
            throw new EngineException("llama.cpp cannot load " + model.entryFile().getFileName() + ": "
                    + e.getMessage(), e);
        }
    }

    private static ModelParameters parameters(LocalModel model, LoadOptions options, int context) {
        ModelParameters parameters = new ModelParameters()
                .setModel(model.entryFile().toString())
                .setCtxSize(context)
                .setThreads(options.threads())
                .setThreadsBatch(options.threads())
                .setParallel(1)
                .enableJinja()
                // llama.cpp's server loop logs every request on stdout; the node logs requests itself.
                .disableLog();
        parameters.setGpuLayers(options.useGpu() ? (options.gpuLayers() < 0 ? 999 : options.gpuLayers()) : 0);
        return parameters;
    }
}
