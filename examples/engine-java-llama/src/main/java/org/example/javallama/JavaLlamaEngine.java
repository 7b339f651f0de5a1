package org.example.javallama;

import dev.llmlb.api.engine.EngineException;
import dev.llmlb.api.engine.InferenceEngine;
import dev.llmlb.api.engine.LoadOptions;
import dev.llmlb.api.engine.LoadedModel;
import dev.llmlb.api.engine.LocalModel;

import java.io.IOException;
import java.util.Optional;

/**
 * Runs Llama models from GGUF files with F32 weights, in plain Java on the CPU: slow, but it shows everything an
 * engine plugin does, and needs nothing but the api.
 */
final class JavaLlamaEngine implements InferenceEngine {

    @Override
    public Optional<String> unsupportedReason(LocalModel model) {
        try {
            return LlamaWeights.unsupportedReason(GgufFile.open(model.entryFile()));
        } catch (IOException e) {
            return Optional.of(e.getMessage());
        }
    }

    @Override
    public long estimateMemoryBytes(LocalModel model, LoadOptions options) {
        // The F32 weights take in memory what they take on disk; each sequence adds its cache.
        try {
            LlamaWeights.Shape shape = LlamaWeights.shapeOf(GgufFile.open(model.entryFile()));
            return model.totalBytes() + options.parallelSequences()
                    * Sequence.cacheBytes(shape, contextLength(shape, options));
        } catch (IOException e) {
            return model.totalBytes();
        }
    }

    private static int contextLength(LlamaWeights.Shape shape, LoadOptions options) {
        return options.contextLength() > 0 ? Math.min(options.contextLength(), shape.contextLength())
                : shape.contextLength();
    }

    @Override
    public LoadedModel load(LocalModel model, LoadOptions options) {
        try {
            GgufFile gguf = GgufFile.open(model.entryFile());
            LlamaWeights weights = LlamaWeights.read(gguf);
            LlamaTokenizer tokenizer = new LlamaTokenizer(gguf);
            int context = contextLength(weights.shape, options);
            boolean chatMl = gguf.string("tokenizer.chat_template", "").contains("<|im_start|>");
            return new JavaLlamaModel(weights, tokenizer, chatMl, context, options.parallelSequences());
        } catch (IOException | RuntimeException e) {
            throw new EngineException("java_llama cannot load " + model.id() + ": " + e.getMessage(), e);
        }
    }
}
