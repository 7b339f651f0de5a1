package dev.llmlb.engine.llamacpp;

import dev.llmlb.api.engine.EngineException;
import dev.llmlb.api.engine.InferenceEngine;
import dev.llmlb.api.engine.LoadOptions;
import dev.llmlb.api.engine.LoadedModel;
import dev.llmlb.api.engine.LocalModel;
import dev.llmlb.api.engine.ModelInfo;
import dev.llmlb.api.source.ModelFormats;
import dev.llmlb.engine.llamacpp.gguf.GgufMetadata;
import dev.llmlb.engine.llamacpp.gguf.GgufReader;

import java.util.Set;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs GGUF models with llama.cpp through java-llama.cpp.
 */
final class LlamaCppEngine implements InferenceEngine {

    private static final System.Logger LOG = System.getLogger(LlamaCppEngine.class.getName());
    private static final Pattern SPLIT_NAME = Pattern.compile("(.*)-(\\d{5})-of-(\\d{5})\\.gguf");

    private final EngineSettings settings;
    private final NativeModels natives;

    LlamaCppEngine(EngineSettings settings) {
        this.settings = settings;
        this.natives = new NativeModels(settings.nativeLog());
        LlamaRequests.check();
    }

    @Override
    public Optional<String> unsupportedReason(LocalModel model) {
        try {
            inspect(model);
            return Optional.empty();
        } catch (EngineException e) {
            return Optional.of(e.getMessage());
        }
    }

    /** Every GGUF model generates and embeds (a second native context computes embeddings, see LlamaCppModel). */
    @Override
    public Set<ModelInfo.Capability> capabilities(LocalModel model) {
        return Set.of(ModelInfo.Capability.GENERATE, ModelInfo.Capability.EMBED);
    }

    /** The model's files and the KV cache of every sequence (the embedding instance, made on demand, aside). */
    @Override
    public long estimateMemoryBytes(LocalModel model, LoadOptions options) {
        try {
            GgufMetadata meta = inspect(model);
            return model.totalBytes() + kvCacheBytes(meta, contextLength(meta, options.contextLength()),
                    options.parallelSequences(), kvCacheType(meta));
        } catch (EngineException e) {
            return model.totalBytes();
        }
    }

    @Override
    public LoadedModel load(LocalModel model, LoadOptions options) {
        GgufMetadata meta = inspect(model);
        Path file = model.entryFile().toAbsolutePath().normalize();
        int context = contextLength(meta, options.contextLength());
        NativeLibrary.load(settings);

        int gpuLayers = 0;
        String device = "cpu";
        if (options.useAccelerator()) {
            int wanted = settings.gpuLayers().orElse(gpuLayersOf(options));
            if (!NativeLibrary.gpuCapable()) {
                LOG.log(System.Logger.Level.INFO, "llamacpp: a GPU was asked for " + model.id() + ", but the bundled "
                        + "llama.cpp library is CPU-only (set LLMLB_LLAMACPP_LIB_PATH to a GPU build); running on CPU");
            } else if (wanted != 0) {
                gpuLayers = wanted;
                device = NativeLibrary.gpuDeviceName();
            }
        }
        long size;
        long modified;
        try {
            size = Files.size(file);
            modified = Files.getLastModifiedTime(file).toMillis();
        } catch (IOException e) {
            throw new EngineException("cannot read " + file + ": " + e.getMessage(), e);
        }
        int sequences = options.parallelSequences();
        KvCacheType kvCache = kvCacheType(meta);
        boolean flashAttention = FlashAttention.use(settings.flashAttention(), sequences, kvCache);
        NativeModels.Key key = new NativeModels.Key(file, size, modified, context, sequences, options.threads(),
                gpuLayers, kvCache, flashAttention, false, false);
        NativeModels.Key embeddingKey = new NativeModels.Key(file, size, modified, context, 1, options.threads(),
                gpuLayers, kvCache, false, true, meta.poolingType().isEmpty());
        long started = System.nanoTime();
        NativeModels.NativeModel llama = natives.acquire(key);
        OptionalInt bos = meta.bosTokenId().isPresent()
                ? OptionalInt.of((int) meta.bosTokenId().getAsLong()) : OptionalInt.empty();
        PromptTokens prompts = new PromptTokens(llama.llama(), meta.addsBos(), bos, meta.chatTemplate());
        ModelInfo info = new ModelInfo(context, Set.of(ModelInfo.Capability.GENERATE, ModelInfo.Capability.EMBED),
                model.totalBytes() + kvCacheBytes(meta, context, sequences, kvCache), device, sequences);
        LOG.log(System.Logger.Level.INFO, String.format("llamacpp: %s ready on %s%s: %d sequences of %d tokens, "
                        + "%s KV cache%s, %d threads, chat template %s (%d ms)", model.id(), device,
                gpuLayers != 0 ? " (" + (gpuLayers < 0 ? "all" : gpuLayers) + " layers offloaded)" : "", sequences,
                context, kvCache.name().toLowerCase(java.util.Locale.ROOT),
                flashAttention ? ", flash attention" : "", options.threads(),
                meta.chatTemplate().isPresent() ? "from the model" : "ChatML (model has none)",
                (System.nanoTime() - started) / 1_000_000));
        return new LlamaCppModel(model.id(), natives, key, embeddingKey, llama, prompts, info, meta.chatTemplate(),
                meta.vocabularySize());
    }

    /** The {@code gpu_layers} setting the host passed for this model; -1 (all) when none. */
    private static int gpuLayersOf(LoadOptions options) {
        String value = options.settings().get("gpu_layers");
        try {
            return value == null ? -1 : Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            LOG.log(System.Logger.Level.WARNING, "llamacpp: ignoring gpu_layers '" + value + "', not a number");
            return -1;
        }
    }

    /**
     * The context to allocate: the requested length, or the model's trained length capped to
     * {@code LLMLB_LLAMACPP_MAX_CONTEXT}; never more than the trained length.
     */
    int contextLength(GgufMetadata meta, int requested) {
        long trained = meta.contextLength().orElse(0);
        long wanted = requested > 0 ? requested : settings.maxContext();
        if (trained > 0) {
            wanted = Math.min(wanted, trained);
        }
        return (int) Math.min(wanted, Integer.MAX_VALUE);
    }

    /** The KV cache type for a model: the setting, else by its weights (see {@link KvCacheType#resolve}). */
    KvCacheType kvCacheType(GgufMetadata meta) {
        return KvCacheType.resolve(settings.kvCache(), meta.allF32());
    }

    /** Keys and values of every layer for {@code sequences} sequences of {@code context} tokens. */
    static long kvCacheBytes(GgufMetadata meta, int context, int sequences, KvCacheType type) {
        if (meta.kvHeadsOverLayers().isEmpty() || meta.keyLength().isEmpty() || meta.valueLength().isEmpty()) {
            return 0;
        }
        long perToken = meta.kvHeadsOverLayers().getAsLong()
                * (meta.keyLength().getAsLong() + meta.valueLength().getAsLong());
        return perToken * context * sequences * type.bytesPerValue;
    }

    /** Reads and checks the entry file's metadata; the message says what is wrong. */
    private GgufMetadata inspect(LocalModel model) {
        if (!ModelFormats.GGUF.equals(model.format())) {
            throw new EngineException("llamacpp runs GGUF models, not " + model.format());
        }
        Path file = model.entryFile();
        if (!Files.isRegularFile(file)) {
            throw new EngineException("the model file " + file + " is missing");
        }
        GgufMetadata meta;
        try {
            meta = GgufReader.read(file);
        } catch (IOException e) {
            throw new EngineException(e.getMessage(), e);
        }
        int parts = meta.splitCount();
        if (parts > 1) {
            Matcher m = SPLIT_NAME.matcher(file.getFileName().toString());
            if (!m.matches() || Integer.parseInt(m.group(2)) != 1) {
                throw new EngineException(file.getFileName() + " is part of a model split into " + parts
                        + " files; load its first file, named <name>-00001-of-" + String.format("%05d", parts)
                        + ".gguf");
            }
            for (int i = 2; i <= parts; i++) {
                Path part = file.resolveSibling(String.format("%s-%05d-of-%05d.gguf", m.group(1), i, parts));
                if (!Files.isRegularFile(part)) {
                    throw new EngineException("split model part " + part.getFileName() + " is missing");
                }
            }
        }
        if (meta.architecture().isEmpty()) {
            throw new EngineException(file.getFileName() + " has no general.architecture: not a model GGUF");
        }
        return meta;
    }

    NativeModels nativeModels() {
        return natives;
    }

    /** Closes the native models the host unloaded; call after every loaded model is closed. */
    @Override
    public void close() {
        natives.close();
    }
}
