package dev.llmlb.engine.onnx;

import dev.llmlb.api.engine.EmbeddingRequest;
import dev.llmlb.api.engine.EmbeddingResult;
import dev.llmlb.api.engine.GenerationRequest;
import dev.llmlb.api.engine.GenerationResult;
import dev.llmlb.api.engine.ModelInfo;
import dev.llmlb.api.engine.TokenSink;
import dev.llmlb.engine.hf.HfLoadedModel;
import dev.llmlb.engine.hf.HfModelFolder;
import dev.llmlb.engine.hf.embed.Embedder;

import java.util.Optional;
import java.util.Set;

/**
 * An ONNX decoder loaded in ONNX Runtime, with its tokenizer and chat template. Each generation runs on a sequence
 * of its own, whose KV cache is released when the generation returns, however it ends. It embeds too (the last
 * token's final hidden state, normalised) when its graph lets {@link HiddenStateOutput} expose that state.
 */
final class OnnxModel extends HfLoadedModel {

    private final OnnxDecoder decoder;
    private final Optional<Embedder> embedder;

    OnnxModel(HfModelFolder folder, OnnxDecoder decoder, int context, long memoryBytes) {
        // The decoder could run sequences side by side, but each ONNX Runtime run already uses every intra-op
        // thread, so concurrent generations would only contend for the cores.
        super(folder, new ModelInfo(context, capabilities(decoder), memoryBytes, decoder.device(), 1));
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
    public GenerationResult generate(GenerationRequest request, TokenSink sink) {
        int[] prompt = promptTokens(request.prompt());
        try (DecoderSequence sequence = decoder.newSequence()) {
            return loop().run(prompt, request.maxTokens(), request.sampling(), sequence::step, sink);
        }
    }

    @Override
    public EmbeddingResult embed(EmbeddingRequest request) {
        return embedder.orElseThrow(() -> new UnsupportedOperationException("the graph of " + decoder.name()
                + " does not let the onnx engine read its hidden state, so this model does not embed"))
                .embed(request);
    }

    @Override
    protected void closeDecoder() {
        decoder.close();
    }
}
