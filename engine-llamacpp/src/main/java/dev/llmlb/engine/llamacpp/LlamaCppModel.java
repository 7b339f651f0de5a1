package dev.llmlb.engine.llamacpp;

import de.kherud.llama.InferenceParameters;
import de.kherud.llama.LlamaIterator;
import de.kherud.llama.LlamaModel;
import de.kherud.llama.LlamaOutput;
import dev.llmlb.api.engine.ContextLengthExceededException;
import dev.llmlb.api.engine.EmbeddingResult;
import dev.llmlb.api.engine.EngineException;
import dev.llmlb.api.engine.GenerationRequest;
import dev.llmlb.api.engine.GenerationResult;
import dev.llmlb.api.engine.LoadedModel;
import dev.llmlb.api.engine.LocalModel;
import dev.llmlb.api.engine.ModelInfo;
import dev.llmlb.api.engine.Prompt;
import dev.llmlb.api.engine.SamplingParams;
import dev.llmlb.api.engine.TokenSink;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * A GGUF model loaded in llama.cpp. Generations run one at a time (the host leases one sequence). Embeddings need
 * llama.cpp's embedding mode, which cannot generate, so a second instance is loaded on the first embedding request.
 */
final class LlamaCppModel implements LoadedModel {

    private final LlamaModel llama;
    private final GgufMetadata meta;
    private final int context;
    private final LocalModel local;
    private final String device;
    private final long memoryBytes;
    private final Supplier<LlamaModel> embedderFactory;
    private final boolean addsBos;
    private final String bosText;
    private LlamaModel embedder;

    LlamaCppModel(LlamaModel llama, GgufMetadata meta, int context, LocalModel local, String device, long memoryBytes,
                  Supplier<LlamaModel> embedderFactory) {
        this.llama = llama;
        this.meta = meta;
        this.context = context;
        this.local = local;
        this.device = device;
        this.memoryBytes = memoryBytes;
        this.embedderFactory = embedderFactory;
        this.addsBos = meta.bool("tokenizer.ggml.add_bos_token").orElse(true);
        this.bosText = meta.number("tokenizer.ggml.bos_token_id").flatMap(meta::tokenText).orElse(null);
    }

    @Override
    public ModelInfo info() {
        return new ModelInfo(context, true, memoryBytes, device, 1);
    }

    /** The text llama.cpp tokenizes: the chat template applied, or the raw text. */
    String render(Prompt prompt) {
        if (prompt instanceof Prompt.Text text) {
            return text.text();
        }
        String rendered;
        try {
            rendered = llama.applyTemplate(ChatTemplates.messagesJson(((Prompt.Chat) prompt).messages()));
        } catch (RuntimeException e) {
            throw new EngineException("the chat template of " + local.id() + " failed: " + e.getMessage(), e);
        }
        // llama.cpp adds BOS itself; a template that writes it too would give the model two.
        if (addsBos && bosText != null && !bosText.isEmpty() && rendered.startsWith(bosText)) {
            rendered = rendered.substring(bosText.length());
        }
        return rendered;
    }

    @Override
    public int countPromptTokens(Prompt prompt) {
        return tokens(render(prompt));
    }

    private int tokens(String text) {
        return llama.encode(text).length + (addsBos ? 1 : 0);
    }

    @Override
    public GenerationResult generate(GenerationRequest request, TokenSink sink) {
        String prompt = render(request.prompt());
        int promptTokens = tokens(prompt);
        if (promptTokens + 1 > context) {
            throw new ContextLengthExceededException(promptTokens, context);
        }
        int limit = Math.min(request.maxTokens(), context - promptTokens);
        LlamaIterator iterator = llama.generate(parameters(prompt, limit, request.sampling())).iterator();
        int produced = 0;
        String last = null;
        try {
            while (iterator.hasNext()) {
                LlamaOutput output = iterator.next();
                if (!iteratorHasMore(iterator) && output.text.isEmpty() && last != null) {
                    // The closing message carries no token of its own.
                    break;
                }
                produced++;
                last = output.text;
                if (!sink.onToken(output.text)) {
                    iterator.cancel();
                    return new GenerationResult(GenerationResult.FinishReason.STOPPED_BY_SINK, promptTokens, produced);
                }
            }
        } catch (RuntimeException e) {
            throw new EngineException("llama.cpp failed while generating: " + e.getMessage(), e);
        }
        boolean hitLimit = produced >= limit || last != null && !last.isEmpty();
        return new GenerationResult(hitLimit ? GenerationResult.FinishReason.LENGTH
                : GenerationResult.FinishReason.END_OF_SEQUENCE, promptTokens, hitLimit ? limit : produced);
    }

    private static boolean iteratorHasMore(LlamaIterator iterator) {
        return iterator.hasNext();
    }

    private static InferenceParameters parameters(String prompt, int limit, SamplingParams sampling) {
        InferenceParameters parameters = new InferenceParameters(prompt)
                .setNPredict(limit)
                .setCachePrompt(false)
                // OpenAI's sampling has no top-k and no min-p; switch llama.cpp's defaults off.
                .setTopK(0)
                .setMinP(0f)
                .setRepeatPenalty(1f)
                .setTemperature((float) Math.max(0, sampling.temperature()))
                .setTopP((float) sampling.topP())
                .setPresencePenalty((float) sampling.presencePenalty())
                .setFrequencyPenalty((float) sampling.frequencyPenalty());
        sampling.seed().ifPresent(seed -> parameters.setSeed((int) ((seed ^ (seed >>> 32)) & 0x7fffffff)));
        return parameters;
    }

    @Override
    public synchronized EmbeddingResult embed(List<String> inputs) {
        if (embedder == null) {
            try {
                embedder = embedderFactory.get();
            } catch (RuntimeException e) {
                throw new EngineException("llama.cpp cannot load " + local.id() + " for embeddings: "
                        + e.getMessage(), e);
            }
        }
        List<float[]> vectors = new ArrayList<>();
        int tokens = 0;
        for (String input : inputs) {
            int count = tokens(input);
            if (count > context) {
                throw new ContextLengthExceededException(count, context);
            }
            tokens += count;
            vectors.add(embedder.embed(input));
        }
        return new EmbeddingResult(vectors, tokens);
    }

    @Override
    public synchronized void close() {
        llama.close();
        if (embedder != null) {
            embedder.close();
        }
    }
}
