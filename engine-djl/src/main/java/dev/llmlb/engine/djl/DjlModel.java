package dev.llmlb.engine.djl;

import dev.llmlb.api.engine.GenerationRequest;
import dev.llmlb.api.engine.GenerationResult;
import dev.llmlb.api.engine.LoadedModel;
import dev.llmlb.api.engine.ModelInfo;
import dev.llmlb.api.engine.Prompt;
import dev.llmlb.api.engine.TokenSink;
import dev.llmlb.engine.hf.DecoderLoop;
import dev.llmlb.engine.hf.HfModelFolder;

/** A safetensors model loaded on DJL's PyTorch engine. One generation at a time (the decoder holds one cache). */
final class DjlModel implements LoadedModel {

    private final HfModelFolder folder;
    private final LlamaDecoder decoder;
    private final DecoderLoop loop;
    private final ModelInfo info;

    DjlModel(HfModelFolder folder, LlamaDecoder decoder, long memoryBytes, String device) {
        this.folder = folder;
        this.decoder = decoder;
        this.loop = folder.loop(decoder.context());
        this.info = new ModelInfo(decoder.context(), false, memoryBytes, device, 1);
    }

    @Override
    public ModelInfo info() {
        return info;
    }

    @Override
    public int countPromptTokens(Prompt prompt) {
        return folder.promptTokens(prompt).length;
    }

    /** The ids of {@code prompt}, special tokens included. */
    int[] promptTokens(Prompt prompt) {
        return folder.promptTokens(prompt);
    }

    /** The text the tokenizer gets for {@code prompt}: the chat template applied, or the raw text. */
    String render(Prompt prompt) {
        return folder.render(prompt);
    }

    @Override
    public synchronized GenerationResult generate(GenerationRequest request, TokenSink sink) {
        int[] prompt = folder.promptTokens(request.prompt());
        decoder.reset();
        return loop.run(prompt, request.maxTokens(), request.sampling(), decoder::step, sink);
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
    public synchronized void close() {
        decoder.close();
        folder.close();
    }
}
