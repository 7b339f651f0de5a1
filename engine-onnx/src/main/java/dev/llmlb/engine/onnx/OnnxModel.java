package dev.llmlb.engine.onnx;

import dev.llmlb.api.engine.GenerationRequest;
import dev.llmlb.api.engine.GenerationResult;
import dev.llmlb.api.engine.LoadedModel;
import dev.llmlb.api.engine.ModelInfo;
import dev.llmlb.api.engine.Prompt;
import dev.llmlb.api.engine.TokenSink;
import dev.llmlb.engine.hf.DecoderLoop;
import dev.llmlb.engine.hf.HfModelFolder;

/**
 * An ONNX decoder loaded in ONNX Runtime, with its tokenizer and chat template. Each generation runs on a sequence
 * of its own, whose KV cache is released when the generation returns, however it ends.
 */
final class OnnxModel implements LoadedModel {

    private final HfModelFolder folder;
    private final OnnxDecoder decoder;
    private final DecoderLoop loop;
    private final ModelInfo info;

    OnnxModel(HfModelFolder folder, OnnxDecoder decoder, int context, long memoryBytes) {
        this.folder = folder;
        this.decoder = decoder;
        this.loop = folder.loop(context);
        // The decoder could run sequences side by side, but each ONNX Runtime run already uses every intra-op
        // thread, so concurrent generations would only contend for the cores.
        this.info = new ModelInfo(context, false, memoryBytes, decoder.device(), 1);
    }

    @Override
    public ModelInfo info() {
        return info;
    }

    @Override
    public int countPromptTokens(Prompt prompt) {
        return folder.promptTokens(prompt).length;
    }

    /** The text the tokenizer gets for {@code prompt}: the chat template applied, or the raw text. */
    String render(Prompt prompt) {
        return folder.render(prompt);
    }

    /** The ids of {@code prompt}, special tokens included. */
    int[] promptTokens(Prompt prompt) {
        return folder.promptTokens(prompt);
    }

    OnnxDecoder decoder() {
        return decoder;
    }

    @Override
    public GenerationResult generate(GenerationRequest request, TokenSink sink) {
        int[] prompt = folder.promptTokens(request.prompt());
        try (DecoderSequence sequence = decoder.newSequence()) {
            return loop.run(prompt, request.maxTokens(), request.sampling(), sequence::step, sink);
        }
    }

    @Override
    public void close() {
        decoder.close();
        folder.close();
    }
}
