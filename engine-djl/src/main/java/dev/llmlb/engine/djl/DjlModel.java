package dev.llmlb.engine.djl;

import dev.llmlb.api.engine.EmbeddingRequest;
import dev.llmlb.api.engine.EmbeddingResult;
import dev.llmlb.api.engine.ModelInfo;
import dev.llmlb.engine.hf.HfLoadedModel;
import dev.llmlb.engine.hf.HfModelFolder;
import dev.llmlb.engine.hf.embed.Embedder;

import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * A safetensors model loaded on DJL's PyTorch engine, generating up to one sequence per cache slot at once. It embeds
 * as llama.cpp does: the last token's final hidden state, normalised, one input at a time between the scheduler's
 * steps on a free slot.
 */
final class DjlModel extends HfLoadedModel {

    private final LlamaDecoder decoder;
    private final Embedder embedder;

    DjlModel(String name, HfModelFolder folder, LlamaDecoder decoder, long memoryBytes, String device) {
        super(name, folder, new ModelInfo(decoder.context(), Set.of(ModelInfo.Capability.GENERATE,
                ModelInfo.Capability.EMBED), memoryBytes, device, decoder.slots()), decoder);
        this.decoder = decoder;
        this.embedder = new Embedder(folder.tokenizer(), new Embedder.Limits(decoder.context(),
                folder.config().vocabSize(), 1, decoder.context(), true), (rows, positions) -> {
                    float[][] out = new float[rows.length][];
                    for (int r = 0; r < rows.length; r++) {
                        int[] tokens = rows[r];
                        out[r] = withDecoder(d -> d.lastHiddenState(tokens));
                    }
                    return out;
                });
    }

    @Override
    public EmbeddingResult embed(EmbeddingRequest request) {
        return embedder.embed(request);
    }

    /**
     * For tests: the logits after each of {@code tokens}, fed one at a time from a fresh sequence (after the first
     * {@code prefill} fed at once), as the conformance test compares them with the reference. Runs between the
     * scheduler's steps.
     */
    float[][] logits(int[] tokens, int prefill) {
        return withDecoder(decoder -> {
            LlamaDecoder.Sequence sequence = decoder.open();
            try {
                float[][] out = new float[tokens.length - prefill + 1][];
                out[0] = decoder.prefill(sequence, Arrays.copyOf(tokens, prefill));
                for (int i = prefill; i < tokens.length; i++) {
                    out[i - prefill + 1] = decoder.decode(List.of(sequence), new int[] {tokens[i]})[0];
                }
                return out;
            } finally {
                decoder.release(sequence);
            }
        });
    }

    /** For tests: runs {@code work} on the decoder between the scheduler's steps. */
    <T> T withDecoder(Function<LlamaDecoder, T> work) {
        return scheduler().exclusively(() -> work.apply(decoder));
    }

    @Override
    protected void closeDecoder() {
        decoder.close();
    }
}
