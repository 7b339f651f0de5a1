package dev.llmlb.engine.djl;

import dev.llmlb.api.engine.EmbeddingRequest;
import dev.llmlb.api.engine.EmbeddingResult;
import dev.llmlb.api.engine.GenerationRequest;
import dev.llmlb.api.engine.GenerationResult;
import dev.llmlb.api.engine.ModelInfo;
import dev.llmlb.api.engine.TokenSink;
import dev.llmlb.engine.hf.HfLoadedModel;
import dev.llmlb.engine.hf.HfModelFolder;
import dev.llmlb.engine.hf.embed.Embedder;

import java.util.Set;

/**
 * A safetensors model loaded on DJL's PyTorch engine. One generation or embedding at a time (the decoder holds one
 * cache). It embeds as llama.cpp does: the last token's final hidden state, normalised.
 */
final class DjlModel extends HfLoadedModel {

    private final LlamaDecoder decoder;
    private final Embedder embedder;

    DjlModel(HfModelFolder folder, LlamaDecoder decoder, long memoryBytes, String device) {
        super(folder, new ModelInfo(decoder.context(), Set.of(ModelInfo.Capability.GENERATE,
                ModelInfo.Capability.EMBED), memoryBytes, device, 1));
        this.decoder = decoder;
        // One input per pass: the decoder holds the cache of one sequence.
        this.embedder = new Embedder(folder.tokenizer(), new Embedder.Limits(decoder.context(),
                folder.config().vocabSize(), 1, decoder.context(), true), (rows, positions) -> {
                    float[][] out = new float[rows.length][];
                    for (int r = 0; r < rows.length; r++) {
                        out[r] = decoder.lastHiddenState(rows[r]);
                    }
                    return out;
                });
    }

    @Override
    public synchronized EmbeddingResult embed(EmbeddingRequest request) {
        return embedder.embed(request);
    }

    @Override
    public synchronized GenerationResult generate(GenerationRequest request, TokenSink sink) {
        int[] prompt = promptTokens(request.prompt());
        decoder.reset();
        return loop().run(prompt, request.maxTokens(), request.sampling(), decoder::step, sink);
    }

    /**
     * For tests: the logits after each of {@code tokens}, fed one at a time from a fresh sequence (after the first
     * {@code prefill} fed at once), as the conformance test compares them with the reference.
     */
    synchronized float[][] logits(int[] tokens, int prefill) {
        decoder.reset();
        float[][] out = new float[tokens.length - prefill + 1][];
        out[0] = decoder.step(java.util.Arrays.copyOf(tokens, prefill));
        for (int i = prefill; i < tokens.length; i++) {
            out[i - prefill + 1] = decoder.step(new int[] {tokens[i]});
        }
        return out;
    }

    @Override
    protected synchronized void closeDecoder() {
        decoder.close();
    }
}
