package dev.llmlb.engine.onnx;

import dev.llmlb.api.engine.EmbeddingRequest;
import dev.llmlb.api.engine.EmbeddingResult;
import dev.llmlb.api.engine.ModelInfo;
import dev.llmlb.engine.hf.BatchDecoder;
import dev.llmlb.engine.hf.HfLoadedModel;
import dev.llmlb.engine.hf.HfModelFolder;
import dev.llmlb.engine.hf.embed.Embedder;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * An ONNX decoder loaded in ONNX Runtime, with its tokenizer and chat template. Each generation runs on a sequence
 * of its own, batched with the others as far as the graph allows ({@link OnnxDecoder#batching()}); its KV cache is
 * released when the generation ends, however it ends. It embeds too (the last token's final hidden state,
 * normalised) when its graph lets {@link HiddenStateOutput} expose that state; ONNX Runtime runs those passes beside
 * the scheduler's steps.
 */
final class OnnxModel extends HfLoadedModel {

    private final OnnxDecoder decoder;
    private final Optional<Embedder> embedder;

    OnnxModel(String name, HfModelFolder folder, OnnxDecoder decoder, int context, long memoryBytes,
              int sequences) {
        super(name, folder, new ModelInfo(context, capabilities(decoder), memoryBytes, decoder.device(), sequences),
                new Sequences(decoder));
        this.decoder = decoder;
        this.embedder = DecoderEmbedder.of(decoder).map(e -> new Embedder(folder.tokenizer(),
                new Embedder.Limits(context, decoder.config().vocabSize(), 32, e.maxPaddedTokens(), true),
                e::lastHiddenStates));
    }

    private static Set<ModelInfo.Capability> capabilities(OnnxDecoder decoder) {
        return DecoderEmbedder.of(decoder).isPresent()
                ? Set.of(ModelInfo.Capability.GENERATE, ModelInfo.Capability.EMBED)
                : Set.of(ModelInfo.Capability.GENERATE);
    }

    OnnxDecoder decoder() {
        return decoder;
    }

    @Override
    public EmbeddingResult embed(EmbeddingRequest request) {
        return embedder.orElseThrow(() -> new UnsupportedOperationException("the graph of " + decoder.name()
                + " does not let the onnx engine read its hidden state, so this model does not embed"))
                .embed(request);
    }

    /** The decoder's sequences, as the scheduler runs them. */
    private record Sequences(OnnxDecoder decoder) implements BatchDecoder<DecoderSequence> {
        @Override
        public DecoderSequence open() {
            return decoder.newSequence();
        }

        @Override
        public float[] prefill(DecoderSequence sequence, int[] tokens) {
            return sequence.step(tokens);
        }

        @Override
        public float[][] decode(List<DecoderSequence> sequences, int[] tokens) {
            return decoder.decode(sequences, tokens);
        }

        @Override
        public void release(DecoderSequence sequence) {
            sequence.close();
        }
    }

    @Override
    protected void closeDecoder() {
        decoder.close();
    }
}
