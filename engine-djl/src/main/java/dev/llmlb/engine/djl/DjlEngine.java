package dev.llmlb.engine.djl;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.llmlb.api.engine.EngineException;
import dev.llmlb.api.engine.InferenceEngine;
import dev.llmlb.api.engine.LoadOptions;
import dev.llmlb.api.engine.LoadedModel;
import dev.llmlb.api.engine.LocalModel;
import dev.llmlb.api.engine.ModelInfo;
import dev.llmlb.engine.hf.HfConfig;
import dev.llmlb.engine.hf.HfModelFolder;
import dev.llmlb.engine.hf.embed.EncoderFamily;

import java.lang.System.Logger.Level;
import java.util.Optional;
import java.util.Set;

/**
 * Runs HuggingFace safetensors models on DJL's PyTorch engine: decoders of the Llama family, which generate and embed,
 * and encoders of the BERT family ({@link DjlEncoders}), which embed.
 */
final class DjlEngine implements InferenceEngine {

    private static final System.Logger LOG = System.getLogger(DjlEngine.class.getName());

    private final int maxContext;
    private final PyTorchRuntime pytorch = new PyTorchRuntime();

    DjlEngine(int maxContext) {
        this.maxContext = maxContext;
    }

    @Override
    public Optional<String> unsupportedReason(LocalModel model) {
        try {
            if (EncoderFamily.isEncoder(model.directory())) {
                return Optional.empty();
            }
            return LlamaSpec.unsupportedReason(HfConfig.read(model.directory()));
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

    /** The weights widened to F32, plus one cache of the whole context per sequence. */
    @Override
    public long estimateMemoryBytes(LocalModel model, LoadOptions options) {
        if (EncoderFamily.isEncoder(model.directory())) {
            return SafetensorsFiles.open(model.directory()).parameterCount() * Float.BYTES;
        }
        LlamaSpec spec = LlamaSpec.from(HfConfig.read(model.directory()));
        long weights = SafetensorsFiles.open(model.directory()).parameterCount() * Float.BYTES;
        return weights + options.parallelSequences() * spec.kvCacheBytes(contextFor(spec, options.contextLength()));
    }

    int contextFor(LlamaSpec spec, int requested) {
        int wanted = requested > 0 ? requested : Math.min(spec.trainedContext(), maxContext);
        return Math.max(16, Math.min(wanted, spec.trainedContext()));
    }

    @Override
    public LoadedModel load(LocalModel model, LoadOptions options) {
        if (EncoderFamily.isEncoder(model.directory())) {
            return DjlEncoders.load(model, options, pytorch);
        }
        long start = System.nanoTime();
        HfModelFolder folder = HfModelFolder.open(model.directory());
        try {
            LlamaSpec spec = LlamaSpec.from(folder.config());
            SafetensorsFiles files = SafetensorsFiles.open(model.directory());
            int context = contextFor(spec, options.contextLength());
            Device device = pytorch.device(options.useAccelerator());
            pytorch.threads(options.threads());
            NDManager manager = pytorch.engine().newBaseManager(device);
            int sequences = options.parallelSequences();
            LlamaDecoder decoder;
            try {
                decoder = new LlamaDecoder(spec, manager, LlamaWeights.load(files, spec, manager), context, sequences);
            } catch (RuntimeException e) {
                manager.close();
                throw e;
            }
            long memory = files.parameterCount() * Float.BYTES + sequences * spec.kvCacheBytes(context);
            LOG.log(Level.INFO, "{0}: {1} with {2} parameters on {3}, context {4} for each of {5} sequences, "
                    + "loaded in {6} ms", model.id(), spec.architecture(), files.parameterCount(), device, context,
                    sequences, (System.nanoTime() - start) / 1_000_000);
            return new DjlModel(model.id(), folder, decoder, memory,
                    device.isGpu() ? "cuda:" + device.getDeviceId() : "cpu");
        } catch (EngineException e) {
            folder.close();
            throw e;
        } catch (RuntimeException e) {
            folder.close();
            throw new EngineException("engine djl cannot load " + model.id() + ": " + e.getMessage(), e);
        }
    }
}
