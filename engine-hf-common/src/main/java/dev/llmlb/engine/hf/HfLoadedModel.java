package dev.llmlb.engine.hf;

import dev.llmlb.api.engine.EngineException;
import dev.llmlb.api.engine.GenerationRequest;
import dev.llmlb.api.engine.GenerationResult;
import dev.llmlb.api.engine.InvalidInputException;
import dev.llmlb.api.engine.LoadedModel;
import dev.llmlb.api.engine.ModelInfo;
import dev.llmlb.api.engine.Prompt;
import dev.llmlb.api.engine.TokenSink;
import dev.llmlb.engine.hf.json.JsonTokenConstraint;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;

/**
 * What a loaded HuggingFace decoder is whatever runs its forward pass: the folder's tokenizer and chat template, the
 * model's info, and a {@link DecodeScheduler} that batches every generation through the engine's
 * {@link BatchDecoder}, up to {@link ModelInfo#parallelSequences()} at once. An engine supplies the decoder and
 * closes it in {@link #closeDecoder()}, which runs once the scheduler has stopped.
 */
public abstract class HfLoadedModel implements LoadedModel {

    private final HfModelFolder folder;
    private final ModelInfo info;
    private final DecodeScheduler<?> scheduler;
    private final AtomicBoolean closed = new AtomicBoolean();
    /**
     * Held shared by every caller while it uses the model (its tokenizer runs on the caller's thread), and for good by
     * {@link #close()} before the tokenizer's native memory is freed.
     */
    private final ReentrantReadWriteLock users = new ReentrantReadWriteLock();

    /**
     * @param name    names the scheduler thread, e.g. the model's id
     * @param decoder the engine's forward pass; {@code info.contextLength()} positions per sequence and
     *                {@code info.parallelSequences()} sequences at once
     */
    protected HfLoadedModel(String name, HfModelFolder folder, ModelInfo info, BatchDecoder<?> decoder) {
        this.folder = folder;
        this.info = info;
        this.scheduler = DecodeScheduler.start(name, decoder, info.parallelSequences(), info.contextLength(),
                folder.eosTokenIds(), folder.tokenizer()::decode);
    }

    protected final HfModelFolder folder() {
        return folder;
    }

    /** The model's scheduler, e.g. to run work on the decoder between steps. */
    protected final DecodeScheduler<?> scheduler() {
        return scheduler;
    }

    /** How the model's generations have been batched so far. */
    public final DecodeScheduler.Stats batchStats() {
        return scheduler.stats();
    }

    @Override
    public final ModelInfo info() {
        return info;
    }

    @Override
    public final int countPromptTokens(Prompt prompt) {
        return whileOpen(() -> folder.promptTokens(prompt).length);
    }

    /**
     * Runs {@code work} while the model stays open: {@link #close()} waits for it, and it fails with an
     * {@link EngineException} once the model is closed.
     */
    protected final <T> T whileOpen(Supplier<T> work) {
        if (!users.readLock().tryLock()) {
            throw new EngineException("the model is closed");
        }
        try {
            if (closed.get()) {
                throw new EngineException("the model is closed");
            }
            return work.get();
        } finally {
            users.readLock().unlock();
        }
    }

    /** The ids of {@code prompt}, special tokens included. */
    public final int[] promptTokens(Prompt prompt) {
        return folder.promptTokens(prompt);
    }

    /** The text the tokenizer gets for {@code prompt}: the chat template applied, or the raw text. */
    public final String render(Prompt prompt) {
        return folder.render(prompt);
    }

    /**
     * Generates through the scheduler with the request's own sampler: its {@code logit_bias} (ids checked against the
     * model's vocabulary), its JSON constraint and its log probabilities.
     */
    @Override
    public final GenerationResult generate(GenerationRequest request, TokenSink sink) {
        int vocabulary = folder.config().vocabSize();
        for (int token : request.sampling().logitBias().keySet()) {
            if (token >= vocabulary) {
                throw new InvalidInputException("logit_bias", "Invalid 'logit_bias': token id " + token + " is "
                        + "outside this model's vocabulary of " + vocabulary + " tokens.");
            }
        }
        return whileOpen(() -> {
            int[] prompt = promptTokens(request.prompt());
            JsonTokenConstraint constraint = request.constraint().map(c -> JsonTokenConstraint.of(c,
                    folder.tokenTrie(), folder.vocabulary(), folder.eosTokenIds())).orElse(null);
            Sampler sampler = new Sampler(request.sampling(), constraint, request.topLogprobs().orElse(-1));
            return scheduler.generate(prompt, request.maxTokens(), sampler, sink,
                    request.topLogprobs().isPresent() ? folder::describe : null);
        });
    }

    @Override
    public final boolean supportsJsonConstraints() {
        return true;
    }

    @Override
    public final boolean supportsLogprobs() {
        return true;
    }

    @Override
    public final boolean supportsLogitBias() {
        return true;
    }

    @Override
    public final Optional<String> chatTemplate() {
        return Optional.of(folder.chatTemplate().source());
    }

    /** Releases the engine's decoder; called after the scheduler has stopped, before the tokenizer closes. */
    protected abstract void closeDecoder();

    /**
     * Stops the scheduler (waiting for its running pass, failing the generations), waits for every caller to leave
     * (they detokenize on their own threads), then closes the decoder and the tokenizer. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        scheduler.close();
        users.writeLock().lock();
        closeDecoder();
        folder.close();
    }
}
