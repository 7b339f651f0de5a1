package dev.llmlb.engine.djl;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.llmlb.api.engine.EngineException;
import dev.llmlb.api.engine.LoadOptions;
import dev.llmlb.api.engine.LoadedModel;
import dev.llmlb.api.engine.LocalModel;
import dev.llmlb.engine.hf.HfConfig;
import dev.llmlb.engine.hf.HfTokenizer;
import dev.llmlb.engine.hf.embed.EncoderFamily;
import dev.llmlb.engine.hf.embed.EncoderModel;
import dev.llmlb.engine.hf.embed.SentenceEmbeddingConfig;

import java.lang.System.Logger.Level;

/**
 * Loads encoder-only models (sentence-transformers repositories of BERT, RoBERTa, XLM-RoBERTa and MPNet in
 * safetensors) as embedding models on {@link BertEncoder}, pooled and normalised as the repository's
 * {@code modules.json} says.
 */
final class DjlEncoders {

    private static final System.Logger LOG = System.getLogger(DjlEncoders.class.getName());

    private DjlEncoders() {
    }

    static LoadedModel load(LocalModel model, LoadOptions options, PyTorchRuntime pytorch) {
        long start = System.nanoTime();
        HfConfig config = HfConfig.read(model.directory());
        EncoderFamily family = EncoderFamily.of(config).orElseThrow();
        SentenceEmbeddingConfig sentence = SentenceEmbeddingConfig.read(model.directory());
        int maxTokens = family.maxTokens(config, sentence);
        SafetensorsFiles files = SafetensorsFiles.open(model.directory());
        HfTokenizer tokenizer = HfTokenizer.load(model.directory());
        try {
            Device device = pytorch.device(options.useAccelerator());
            pytorch.threads(options.threads());
            NDManager manager = pytorch.engine().newBaseManager(device);
            BertEncoder encoder;
            try {
                encoder = BertEncoder.load(files, config, family, manager);
            } catch (RuntimeException e) {
                manager.close();
                throw e;
            }
            LOG.log(Level.INFO, "{0}: {1} encoder with {2} parameters on {3}, {4} pooling{5}, inputs up to {6} "
                            + "tokens, loaded in {7} ms", model.id(), config.modelType(), files.parameterCount(),
                    device,
                    sentence.pooling(), sentence.normalize() ? ", normalised" : "", maxTokens,
                    (System.nanoTime() - start) / 1_000_000);
            return new EncoderModel(model.id(), tokenizer, encoder, sentence, maxTokens, config.vocabSize(),
                    files.parameterCount() * Float.BYTES, device.isGpu() ? "cuda:" + device.getDeviceId() : "cpu",
                    // PyTorch spreads each pass over its (process-wide) threads itself.
                    1, 1);
        } catch (EngineException e) {
            tokenizer.close();
            throw e;
        } catch (RuntimeException e) {
            tokenizer.close();
            throw new EngineException("engine djl cannot load " + model.id() + ": " + e.getMessage(), e);
        }
    }
}
