package dev.llmlb.engine.onnx;

import dev.llmlb.api.engine.EngineException;
import dev.llmlb.api.engine.LoadedModel;
import dev.llmlb.api.engine.LocalModel;
import dev.llmlb.engine.hf.HfConfig;
import dev.llmlb.engine.hf.HfTokenizer;
import dev.llmlb.engine.hf.embed.EncoderFamily;
import dev.llmlb.engine.hf.embed.EncoderModel;
import dev.llmlb.engine.hf.embed.SentenceEmbeddingConfig;

import java.lang.System.Logger.Level;

/**
 * Loads encoder-only models (sentence-transformers repositories of BERT, RoBERTa, XLM-RoBERTa and MPNet exported to
 * ONNX) as embedding models: the graph runs in ONNX Runtime, pooling and normalisation follow the repository's
 * {@code modules.json}.
 */
final class OnnxEncoders {

    private static final System.Logger LOG = System.getLogger(OnnxEncoders.class.getName());

    private OnnxEncoders() {
    }

    /**
     * Loads the encoder with a single-threaded session and {@code options.threads()} workers running batches side
     * by side (see {@link EncoderModel}); the node may send as many requests at once as it would like.
     */
    static LoadedModel load(LocalModel model, OnnxOptions options, int requests) {
        long start = System.nanoTime();
        HfConfig config = HfConfig.read(model.directory());
        EncoderFamily family = EncoderFamily.of(config).orElseThrow();
        SentenceEmbeddingConfig sentence = SentenceEmbeddingConfig.read(model.directory());
        int maxTokens = family.maxTokens(config, sentence);
        HfTokenizer tokenizer = HfTokenizer.load(model.directory());
        try {
            int workers = Math.max(1, options.threads());
            OnnxEncoder encoder = OnnxEncoder.open(model.entryFile(), config.hiddenSize(),
                    config.integer("pad_token_id").orElse(0), options.withThreads(1));
            LOG.log(Level.INFO, "{0}: ONNX {1} encoder on {2}, {3} pooling{4}, inputs up to {5} tokens, {6} workers, "
                            + "loaded in {7} ms", model.id(), config.modelType(), encoder.device(), sentence.pooling(),
                    sentence.normalize() ? ", normalised" : "", maxTokens, workers,
                    (System.nanoTime() - start) / 1_000_000);
            return new EncoderModel(model.id(), tokenizer, encoder, sentence, maxTokens, config.vocabSize(),
                    model.totalBytes(), encoder.device(), workers, requests);
        } catch (EngineException e) {
            tokenizer.close();
            throw e;
        } catch (RuntimeException e) {
            tokenizer.close();
            throw new EngineException("engine onnx cannot load " + model.id() + ": " + e.getMessage(), e);
        }
    }
}
