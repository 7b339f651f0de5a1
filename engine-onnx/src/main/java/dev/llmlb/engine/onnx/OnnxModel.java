package dev.llmlb.engine.onnx;

import dev.llmlb.api.engine.GenerationRequest;
import dev.llmlb.api.engine.GenerationResult;
import dev.llmlb.api.engine.ModelInfo;
import dev.llmlb.api.engine.TokenSink;
import dev.llmlb.engine.hf.HfLoadedModel;
import dev.llmlb.engine.hf.HfModelFolder;

import java.util.Set;

/**
 * An ONNX decoder loaded in ONNX Runtime, with its tokenizer and chat template. Each generation runs on a sequence
 * of its own, whose KV cache is released when the generation returns, however it ends.
 */
final class OnnxModel extends HfLoadedModel {

    private final OnnxDecoder decoder;

    OnnxModel(HfModelFolder folder, OnnxDecoder decoder, int context, long memoryBytes) {
        // The decoder could run sequences side by side, but each ONNX Runtime run already uses every intra-op
        // thread, so concurrent generations would only contend for the cores.
        super(folder, new ModelInfo(context, Set.of(ModelInfo.Capability.GENERATE), memoryBytes, decoder.device(), 1));
        this.decoder = decoder;
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
    protected void closeDecoder() {
        decoder.close();
    }
}
