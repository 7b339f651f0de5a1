package dev.llmlb.engine.llamacpp;

import de.kherud.llama.LlamaModel;
import dev.llmlb.api.engine.ContextLengthExceededException;
import dev.llmlb.api.engine.Embedding;
import dev.llmlb.api.engine.EmbeddingInput;
import dev.llmlb.api.engine.EmbeddingRequest;
import dev.llmlb.api.engine.EmbeddingResult;
import dev.llmlb.api.engine.EngineException;
import dev.llmlb.api.engine.GenerationRequest;
import dev.llmlb.api.engine.GenerationResult;
import dev.llmlb.api.engine.InvalidInputException;
import dev.llmlb.api.engine.JsonConstraint;
import dev.llmlb.api.engine.LoadedModel;
import dev.llmlb.api.engine.ModelInfo;
import dev.llmlb.api.engine.Prompt;
import dev.llmlb.api.engine.TokenSink;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A GGUF model loaded in llama.cpp.
 *
 * <p>Generation runs on llama.cpp's slots, {@code parallelSequences} at once, decoded together (continuous
 * batching); each call takes a slot of its own ({@link SequenceSlots}) and takes its tokens from a
 * {@link NativeStream}, filled by the model's one reader ({@link NativeResults}). A generation never runs past its
 * sequence's context: it gets at most {@code context - promptTokens} tokens, and a prompt that leaves no room for one
 * token is refused before anything runs.
 *
 * <p>Closing while generations run is safe: new calls are refused at once, and the native model goes back to the
 * engine when the last running call has returned.
 *
 * <p>Embeddings need a second native instance (llama.cpp computes embeddings only in a context created for them); it
 * is loaded on the first {@link #embed} call, shares the memory-mapped weights, and adds its own KV cache and
 * buffers. It pools the last token's hidden state (normalised to length 1) unless the model declares its own
 * pooling.
 */
final class LlamaCppModel implements LoadedModel {

    private final String id;
    private final NativeModels natives;
    private final NativeModels.Key key;
    private final NativeModels.Key embeddingKey;
    private final NativeModels.NativeModel llama;
    private final PromptTokens prompts;
    private final ModelInfo info;
    private final Optional<String> chatTemplate;
    private final OptionalLong vocabularySize;
    private NativeModels.NativeModel embedder;
    private final Object embeddingTurn = new Object();
    private boolean closed;
    private int running;

    LlamaCppModel(String id, NativeModels natives, NativeModels.Key key, NativeModels.Key embeddingKey,
                  NativeModels.NativeModel llama, PromptTokens prompts, ModelInfo info, Optional<String> chatTemplate,
                  OptionalLong vocabularySize) {
        this.chatTemplate = chatTemplate;
        this.vocabularySize = vocabularySize;
        this.id = id;
        this.natives = natives;
        this.key = key;
        this.embeddingKey = embeddingKey;
        this.llama = llama;
        this.prompts = prompts;
        this.info = info;
    }

    @Override
    public ModelInfo info() {
        return info;
    }

    @Override
    public int countPromptTokens(Prompt prompt) {
        enter();
        try {
            return prompts.tokens(prompt).length;
        } finally {
            exit();
        }
    }

    /** The token ids llama.cpp evaluates for a prompt. */
    int[] promptTokens(Prompt prompt) {
        enter();
        try {
            return prompts.tokens(prompt);
        } finally {
            exit();
        }
    }

    /** The text a prompt becomes before tokenization (a chat after the template), for logs and tests. */
    String formattedPrompt(Prompt prompt) {
        enter();
        try {
            return prompts.text(prompt);
        } finally {
            exit();
        }
    }

    /** Through llama.cpp's grammars: the schema becomes a GBNF grammar ({@code json_schema_to_grammar}). */
    @Override
    public boolean supportsJsonConstraints() {
        return true;
    }

    @Override
    public boolean supportsLogitBias() {
        return true;
    }

    /**
     * No: java-llama.cpp 4.2.0 aborts the JVM when a request asks for {@code n_probs} (streamed or not, greedy or
     * sampled; measured), and it gives no other access to the logits. The host refuses {@code logprobs} for GGUF
     * models.
     */
    @Override
    public boolean supportsLogprobs() {
        return false;
    }

    @Override
    public Optional<String> chatTemplate() {
        return chatTemplate;
    }

    @Override
    public GenerationResult generate(GenerationRequest request, TokenSink sink) {
        enter();
        try {
            return generateOnASlot(request, sink);
        } finally {
            exit();
        }
    }

    private GenerationResult generateOnASlot(GenerationRequest request, TokenSink sink) {
        for (int token : request.sampling().logitBias().keySet()) {
            if (vocabularySize.isPresent() && token >= vocabularySize.getAsLong()) {
                throw new InvalidInputException("logit_bias", "Invalid 'logit_bias': token id " + token + " is "
                        + "outside this model's vocabulary of " + vocabularySize.getAsLong() + " tokens.");
            }
        }
        String grammar = request.constraint().map(LlamaCppModel::grammar).orElse(null);
        int[] prompt = prompts.tokens(request.prompt());
        int context = info.contextLength();
        if (prompt.length == 0) {
            throw new InvalidInputException("prompt", "The prompt is empty, and model " + id + " adds no start "
                    + "token: there is nothing to continue. Send at least one character.");
        }
        if (prompt.length + 1 > context) {
            throw new ContextLengthExceededException(prompt.length, context);
        }
        int budget = Math.min(request.maxTokens(), context - prompt.length);
        SequenceSlots.Lease slot = llama.slots().acquire(prompt, request.sampling());
        try (NativeStream stream = llama.results().start(LlamaRequests.completion(prompt, budget, request.sampling(),
                slot.reuse(), slot.id(), grammar), slot.id())) {
            GenerationLoop.Outcome outcome = GenerationLoop.run(stream, stream::stop, budget, prompt.length, sink);
            slot.cache().record(prompt, slot.reuse(), outcome.tokensAtMost());
            return outcome.result();
        } catch (RuntimeException e) {
            NativeErrors.rethrowIfNotNative(e);
            throw new EngineException("llama.cpp failed to generate with " + id + ": " + e.getMessage(), e);
        } finally {
            llama.slots().release(slot);
        }
    }

    /** The GBNF grammar of a JSON constraint, as llama.cpp's server makes it from a {@code json_schema}. */
    private static String grammar(JsonConstraint constraint) {
        try {
            return LlamaModel.jsonSchemaToGrammar(constraint.schema());
        } catch (RuntimeException e) {
            NativeErrors.rethrowIfNotNative(e);
            throw new InvalidInputException(constraint.param(), "invalid_schema", "The schema at '"
                    + constraint.param() + "' cannot be turned into a grammar: " + e.getMessage());
        }
    }

    /**
     * Embeds text inputs. Token-id inputs are refused: java-llama.cpp 4.2 embeds strings only, and decoding ids to
     * text and tokenizing again is not guaranteed to give the same ids.
     */
    @Override
    public EmbeddingResult embed(EmbeddingRequest request) {
        enter();
        try {
            return embedAll(request);
        } finally {
            exit();
        }
    }

    private EmbeddingResult embedAll(EmbeddingRequest request) {
        List<String> texts = new ArrayList<>(request.inputs().size());
        int total = 0;
        for (int i = 0; i < request.inputs().size(); i++) {
            String param = request.param(i);
            if (!(request.inputs().get(i) instanceof EmbeddingInput.Text text)) {
                throw new InvalidInputException(param, "unsupported_input", "Invalid '" + param + "': engine "
                        + "llamacpp embeds text; send the text instead of token ids.");
            }
            int tokens = prompts.tokens(text.text(), param).length;
            if (tokens == 0) {
                throw new InvalidInputException(param, "invalid_input", "Invalid '" + param + "': it has no tokens.");
            }
            if (tokens > info.contextLength()) {
                throw InvalidInputException.tooLong(param, tokens, info.contextLength());
            }
            texts.add(text.text());
            total += tokens;
        }
        LlamaModel embedding = embedder().llama();
        List<Embedding> vectors = new ArrayList<>(texts.size());
        // One caller at a time: the embedding instance has one slot, and a second caller waiting on the native
        // result queue would spin (see NativeResults).
        synchronized (embeddingTurn) {
            try {
                for (String text : texts) {
                    vectors.add(Embedding.of(embedding.embed(text)));
                }
            } catch (RuntimeException e) {
                NativeErrors.rethrowIfNotNative(e);
                throw new EngineException("llama.cpp failed to embed with " + id + ": " + e.getMessage(), e);
            }
        }
        // llama.cpp's server scales every embedding to length 1 (embd_normalize 2, its default).
        return new EmbeddingResult(vectors, total, true);
    }

    private synchronized NativeModels.NativeModel embedder() {
        if (embedder == null) {
            embedder = natives.acquire(embeddingKey);
        }
        return embedder;
    }

    /** Counts a call in; refuses it once the model is closed. */
    private synchronized void enter() {
        if (closed) {
            throw new IllegalStateException("model " + id + " is closed");
        }
        running++;
    }

    /** Counts a call out; the last one out of a closed model hands the native models back. */
    private void exit() {
        synchronized (this) {
            running--;
            if (!closed || running > 0) {
                return;
            }
        }
        handBack();
    }

    /** Refuses new calls; the native models go back to the engine now, or when the last running call returns. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            if (running > 0) {
                return;
            }
        }
        handBack();
    }

    /** Called exactly once: by close when nothing runs, else by the last call to return. */
    private void handBack() {
        NativeModels.NativeModel embedding;
        synchronized (this) {
            embedding = embedder;
        }
        natives.release(key, llama);
        if (embedding != null) {
            natives.release(embeddingKey, embedding);
        }
    }
}
