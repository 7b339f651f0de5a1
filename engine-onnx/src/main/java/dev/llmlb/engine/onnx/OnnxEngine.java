package dev.llmlb.engine.onnx;

import dev.llmlb.api.engine.EngineException;
import dev.llmlb.api.engine.InferenceEngine;
import dev.llmlb.api.engine.LoadOptions;
import dev.llmlb.api.engine.LoadedModel;
import dev.llmlb.api.engine.LocalModel;
import dev.llmlb.api.engine.ModelInfo;
import dev.llmlb.engine.hf.HfModelFolder;
import dev.llmlb.engine.hf.embed.EncoderFamily;

import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Runs ONNX exports from a HuggingFace repo folder: the graph named by the model's entry file
 * ({@code onnx/model.onnx} or {@code model.onnx}), {@code config.json}, {@code tokenizer.json} and
 * {@code tokenizer_config.json} at the top of the folder. Decoder-only models generate and embed; encoder-only ones
 * ({@link EncoderFamily}, loaded by {@link OnnxEncoders}) embed.
 */
final class OnnxEngine implements InferenceEngine {

    private static final System.Logger LOG = System.getLogger(OnnxEngine.class.getName());
    private static final int MIN_CONTEXT = 16;

    private final OnnxOptions options;

    OnnxEngine(OnnxOptions options) {
        this.options = options;
    }

    /** Reads {@code config.json} only; the graph's own signature is checked when the model loads. */
    @Override
    public Optional<String> unsupportedReason(LocalModel model) {
        Path entry = model.entryFile();
        if (!entry.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".onnx")) {
            return Optional.of("the model's entry file " + model.directory().relativize(entry)
                    + " is not an ONNX graph (.onnx)");
        }
        if (!Files.isRegularFile(model.directory().resolve("tokenizer.json"))) {
            return Optional.of("the ONNX model has no tokenizer.json; the onnx engine needs the HuggingFace fast "
                    + "tokenizer file");
        }
        try {
            if (EncoderFamily.isEncoder(model.directory())) {
                return Optional.empty();
            }
            DecoderConfig.read(model.directory().resolve("config.json"));
            return Optional.empty();
        } catch (EngineException e) {
            return Optional.of(e.getMessage());
        }
    }

    @Override
    public Set<ModelInfo.Capability> capabilities(LocalModel model) {
        try {
            return EncoderFamily.isEncoder(model.directory()) ? Set.of(ModelInfo.Capability.EMBED)
                    : Set.of(ModelInfo.Capability.GENERATE, ModelInfo.Capability.EMBED);
        } catch (EngineException e) {
            return Set.of(ModelInfo.Capability.GENERATE);
        }
    }

    /** The graph and weight files, plus a float32 KV cache filled to the context for every sequence. */
    @Override
    public long estimateMemoryBytes(LocalModel model, LoadOptions options) {
        try {
            if (EncoderFamily.isEncoder(model.directory())) {
                return model.totalBytes();
            }
            DecoderConfig config = DecoderConfig.read(model.directory().resolve("config.json"));
            return model.totalBytes()
                    + options.parallelSequences() * kvCacheBytes(config, contextFor(config, options.contextLength()));
        } catch (EngineException e) {
            return model.totalBytes();
        }
    }

    int contextFor(DecoderConfig config, int requested) {
        int wanted = requested > 0 ? requested : Math.min(config.contextLength(), options.maxContext());
        return Math.max(Math.min(MIN_CONTEXT, config.contextLength()), Math.min(wanted, config.contextLength()));
    }

    static long kvCacheBytes(DecoderConfig config, int context) {
        return 2L * config.layers() * config.kvHeads() * config.headDim() * context * Float.BYTES;
    }

    /** The engine's options with the node's threads and placement for this load. */
    private OnnxOptions effective(LoadOptions loadOptions) {
        OnnxOptions effective = options.threads() > 0 ? options : options.withThreads(loadOptions.threads());
        if (!loadOptions.useAccelerator()) {
            // The node decided against a GPU (none, switched off, or not enough free memory): its call.
            effective = effective.withProvider(OnnxOptions.Provider.CPU);
        }
        return effective;
    }

    @Override
    public LoadedModel load(LocalModel model, LoadOptions loadOptions) {
        if (EncoderFamily.isEncoder(model.directory())) {
            return OnnxEncoders.load(model, effective(loadOptions), loadOptions.parallelSequences());
        }
        long start = System.nanoTime();
        HfModelFolder folder = HfModelFolder.open(model.directory());
        try {
            DecoderConfig config = DecoderConfig.read(model.directory().resolve("config.json"));
            int context = contextFor(config, loadOptions.contextLength());
            OnnxOptions effective = effective(loadOptions);
            OnnxDecoder decoder = OnnxDecoder.open(model.entryFile(), config, effective);
            if (loadOptions.useAccelerator() && decoder.device().equals("cpu")) {
                LOG.log(Level.INFO, "{0}: this ONNX Runtime has no CUDA provider, so the model runs on the CPU "
                        + "(plugins/engine-onnx takes onnxruntime_gpu instead of onnxruntime for CUDA)", model.id());
            }
            int sequences = loadOptions.parallelSequences();
            long memory = model.totalBytes() + sequences * kvCacheBytes(config, context);
            LOG.log(Level.INFO, "{0}: ONNX decoder {1} ({2} layers) on {3}, context {4}, {5} sequences at once "
                    + "(batching {6}), loaded in {7} ms", model.id(), decoder.name(), config.layers(),
                    decoder.device(), context, sequences, decoder.batching(), (System.nanoTime() - start) / 1_000_000);
            return new OnnxModel(model.id(), folder, decoder, context, memory, sequences);
        } catch (EngineException e) {
            folder.close();
            throw e;
        } catch (RuntimeException e) {
            folder.close();
            throw new EngineException("engine onnx cannot load " + model.id() + ": " + e.getMessage(), e);
        }
    }
}
