package dev.llmlb.engine.hf;

import dev.llmlb.api.engine.ContextLengthExceededException;
import dev.llmlb.api.engine.EngineException;
import dev.llmlb.api.engine.GenerationResult;
import dev.llmlb.api.engine.SamplingParams;
import dev.llmlb.api.engine.TokenLogprob;
import dev.llmlb.api.engine.TokenSink;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Continuous batching for one model: every {@link #generate} call becomes a sequence, and one scheduler thread runs
 * all of them through the model's {@link BatchDecoder}, one forward pass per step for every sequence that is ready.
 * A new sequence is prefilled alone between two steps and joins the next one; a sequence that ends (end of
 * sequence, {@code maxTokens}, the end of the context) or whose caller stops listening leaves before the next step.
 * Caches are freed on the scheduler thread, never under a running pass, and before {@link #generate} returns.
 *
 * <p>Each sequence keeps its own {@link Sampler} (parameters and seed), and the scheduler samples its next token as
 * soon as its logits come out. The calling thread turns the tokens into text and hands them to its sink, so a slow
 * sink never holds up the other sequences: the scheduler runs at most {@link #WINDOW} tokens ahead of a sequence's
 * sink and skips that sequence in the steps between.
 *
 * <p>Counting follows engine-llamacpp: the end-of-sequence token is neither sent nor counted; a token the sink
 * refuses is counted.
 *
 * @param <S> the decoder's sequence handle
 */
public final class DecodeScheduler<S> implements AutoCloseable {

    /**
     * Tokens the scheduler may produce for a sequence before its sink has taken them: enough that a caller's thread
     * descheduled for a moment (2 cores, busy intra-op threads) does not drop its sequence from the next steps (for
     * engine-onnx each change of a batch copies its caches), few enough that a client who left costs little.
     */
    static final int WINDOW = 4;

    private static final System.Logger LOG = System.getLogger(DecodeScheduler.class.getName());

    private final BatchDecoder<S> decoder;
    private final int maxSequences;
    private final int contextLength;
    private final Set<Integer> eosTokenIds;
    private final Function<int[], String> detokenize;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition work = lock.newCondition();
    /** Guarded by {@link #lock}. */
    private final ArrayDeque<Generation<S>> joining = new ArrayDeque<>();
    /** Guarded by {@link #lock}. */
    private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
    /** Guarded by {@link #lock}. */
    private boolean closed;
    /** Read under {@link #lock}, written by the scheduler thread under it. */
    private final List<Generation<S>> active = new ArrayList<>();
    private final Thread thread;
    /** Written by the scheduler thread only. */
    private volatile Stats stats = new Stats(0, 0, 0);

    /**
     * What the scheduler has run so far.
     *
     * @param steps         decode passes (prefills not counted)
     * @param sequenceSteps tokens those passes produced: the sum of their batch sizes
     * @param largestBatch  the most sequences in one pass
     */
    public record Stats(long steps, long sequenceSteps, int largestBatch) {
    }

    private DecodeScheduler(BatchDecoder<S> decoder, int maxSequences, int contextLength, Set<Integer> eosTokenIds,
                            Function<int[], String> detokenize) {
        if (maxSequences < 1) {
            throw new IllegalArgumentException("maxSequences must be >= 1: " + maxSequences);
        }
        if (contextLength < 2) {
            throw new IllegalArgumentException("contextLength must be >= 2: " + contextLength);
        }
        this.decoder = Objects.requireNonNull(decoder, "decoder");
        this.maxSequences = maxSequences;
        this.contextLength = contextLength;
        this.eosTokenIds = Set.copyOf(eosTokenIds);
        this.detokenize = Objects.requireNonNull(detokenize, "detokenize");
        this.thread = Thread.ofPlatform().daemon().unstarted(this::run);
    }

    /**
     * Starts the scheduler thread of one model.
     *
     * @param name          names the thread, e.g. the model's id
     * @param maxSequences  sequences in the batch at most; more callers wait, first come first served
     * @param contextLength positions each sequence holds: prompt plus generated tokens never exceed it
     * @param eosTokenIds   tokens that end a generation
     * @param detokenize    the tokenizer's decoding, for {@link IncrementalDetokenizer}
     */
    public static <S> DecodeScheduler<S> start(String name, BatchDecoder<S> decoder, int maxSequences,
                                               int contextLength, Set<Integer> eosTokenIds,
                                               Function<int[], String> detokenize) {
        DecodeScheduler<S> scheduler = new DecodeScheduler<>(decoder, maxSequences, contextLength, eosTokenIds,
                detokenize);
        scheduler.thread.setName("llmlb-decode-" + name);
        // DJL and Jinjava find their resources through the context class loader: the plugin's, not the host's.
        scheduler.thread.setContextClassLoader(DecodeScheduler.class.getClassLoader());
        scheduler.thread.start();
        return scheduler;
    }

    public int contextLength() {
        return contextLength;
    }

    public int maxSequences() {
        return maxSequences;
    }

    /**
     * Runs one generation and blocks until it ends; calls {@code sink} on the calling thread.
     *
     * @param promptTokens the formatted prompt's ids, special tokens included
     * @param maxTokens    at most this many tokens; fewer when the context fills up first
     * @throws ContextLengthExceededException when the prompt leaves no room for one token
     * @throws EngineException                when the model fails or is closed; the sink's own exceptions pass
     *                                        through
     */
    public GenerationResult generate(int[] promptTokens, int maxTokens, SamplingParams sampling, TokenSink sink) {
        return generate(promptTokens, maxTokens, new Sampler(sampling), sink, null);
    }

    /**
     * Runs one generation with its own sampler (a constraint, log probabilities) and blocks until it ends.
     *
     * @param logprobs turns the sampler's log probabilities into what the sink gets; null to send none
     * @see #generate(int[], int, SamplingParams, TokenSink)
     */
    public GenerationResult generate(int[] promptTokens, int maxTokens, Sampler sampler, TokenSink sink,
                                     Function<Sampler.Logprobs, TokenLogprob> logprobs) {
        int prompt = promptTokens.length;
        if (prompt == 0) {
            throw new EngineException("the prompt has no tokens");
        }
        if (prompt + 1 > contextLength) {
            throw new ContextLengthExceededException(prompt, contextLength);
        }
        Generation<S> generation = new Generation<>(promptTokens.clone(), Math.min(maxTokens, contextLength - prompt),
                sampler);
        submit(generation);
        return generation.deliver(sink, new IncrementalDetokenizer(detokenize), this::wake, logprobs);
    }

    /**
     * Runs {@code task} on the scheduler thread between two steps, while no pass runs, and returns its result: for
     * work on the decoder outside a generation (tests, diagnostics).
     */
    public <T> T exclusively(Supplier<T> task) {
        CompletableFuture<T> result = new CompletableFuture<>();
        lock.lock();
        try {
            if (closed) {
                throw new EngineException("the model is closed");
            }
            tasks.add(() -> {
                try {
                    result.complete(task.get());
                } catch (RuntimeException | Error e) {
                    result.completeExceptionally(e);
                }
            });
            work.signalAll();
        } finally {
            lock.unlock();
        }
        try {
            return result.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EngineException("interrupted", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new EngineException(e.getCause().getMessage(), e.getCause());
        }
    }

    public Stats stats() {
        return stats;
    }

    /** Sequences prefilled and not yet finished or left. */
    public int activeSequences() {
        lock.lock();
        try {
            return active.size();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Stops the scheduler: the running step finishes, every generation still running or waiting fails with an
     * {@link EngineException}, and every cache is released. Returns once the scheduler thread is gone, so the
     * decoder may then be closed. Idempotent.
     */
    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            work.signalAll();
        } finally {
            lock.unlock();
        }
        if (Thread.currentThread() == thread) {
            return;
        }
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                // The decoder's native memory must outlive the running pass: wait anyway.
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void submit(Generation<S> generation) {
        lock.lock();
        try {
            if (closed) {
                throw new EngineException("the model is closed");
            }
            joining.add(generation);
            work.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void wake() {
        lock.lock();
        try {
            work.signalAll();
        } finally {
            lock.unlock();
        }
    }

    // Everything below runs on the scheduler thread.

    private void run() {
        List<Generation<S>> joiners = new ArrayList<>();
        Throwable failure = null;
        try {
            while (true) {
                joiners.clear();
                List<Runnable> pending = new ArrayList<>();
                lock.lock();
                try {
                    while (!closed && tasks.isEmpty() && !canJoin(0) && !hasWork()) {
                        work.awaitUninterruptibly();
                    }
                    if (closed) {
                        return;
                    }
                    pending.addAll(tasks);
                    tasks.clear();
                    while (canJoin(joiners.size())) {
                        joiners.add(joining.poll());
                    }
                } finally {
                    lock.unlock();
                }
                pending.forEach(Runnable::run);
                dropThoseWhoLeft();
                joiners.forEach(this::prefill);
                step();
            }
        } catch (RuntimeException | Error e) {
            // Decoder failures are each generation's own (prefill, step); this is a bug. No caller may hang on it.
            failure = e;
            LOG.log(System.Logger.Level.ERROR, "the decode scheduler failed; the model stops generating", e);
        } finally {
            shutDown(joiners, failure);
        }
    }

    /** Whether a waiting generation fits beside the active ones and {@code taken} joiners. Under {@link #lock}. */
    private boolean canJoin(int taken) {
        return !joining.isEmpty() && active.size() + taken < maxSequences;
    }

    /** Whether some active sequence can take a step, or left and holds a cache to free. Under {@link #lock}. */
    private boolean hasWork() {
        for (Generation<S> g : active) {
            if (g.left() || g.ready(WINDOW)) {
                return true;
            }
        }
        return false;
    }

    private void dropThoseWhoLeft() {
        List<Generation<S>> gone = active.stream().filter(Generation::left).toList();
        if (!gone.isEmpty()) {
            lock.lock();
            try {
                active.removeAll(gone);
            } finally {
                lock.unlock();
            }
            gone.forEach(this::release);
        }
    }

    private void prefill(Generation<S> g) {
        if (g.left()) {
            release(g);
            return;
        }
        float[] logits;
        try {
            g.sequence = decoder.open();
            logits = decoder.prefill(g.sequence, g.prompt);
        } catch (RuntimeException e) {
            release(g);
            g.fail(failure(e));
            return;
        }
        lock.lock();
        try {
            active.add(g);
        } finally {
            lock.unlock();
        }
        advance(g, logits);
    }

    /** One forward pass for every active sequence whose sink keeps up. */
    private void step() {
        List<Generation<S>> ready = active.stream().filter(g -> g.ready(WINDOW)).toList();
        if (ready.isEmpty()) {
            return;
        }
        List<S> sequences = new ArrayList<>(ready.size());
        int[] tokens = new int[ready.size()];
        for (int i = 0; i < ready.size(); i++) {
            sequences.add(ready.get(i).sequence);
            tokens[i] = ready.get(i).next;
        }
        Stats before = stats;
        stats = new Stats(before.steps() + 1, before.sequenceSteps() + ready.size(),
                Math.max(before.largestBatch(), ready.size()));
        float[][] logits;
        try {
            logits = decoder.decode(sequences, tokens);
        } catch (RuntimeException e) {
            EngineException error = failure(e);
            ready.forEach(g -> {
                finish(g);
                g.fail(error);
            });
            return;
        }
        for (int i = 0; i < ready.size(); i++) {
            advance(ready.get(i), logits[i]);
        }
    }

    /** Samples the sequence's next token and hands it to the caller, or ends the sequence. */
    private void advance(Generation<S> g, float[] logits) {
        int token;
        try {
            token = g.sampler.next(logits);
        } catch (RuntimeException e) {
            // A sampler's failure (a constraint's bug) is its own sequence's, not the batch's.
            finish(g);
            g.fail(failure(e));
            return;
        }
        if (eosTokenIds.contains(token)) {
            finish(g);
            g.endOfSequence();
            return;
        }
        g.produced++;
        boolean last = g.produced >= g.limit;
        if (last) {
            finish(g);
        } else {
            g.next = token;
        }
        g.token(token, last);
    }

    /** Takes a sequence out of the batch and frees its cache, before its caller hears the end. */
    private void finish(Generation<S> g) {
        lock.lock();
        try {
            active.remove(g);
        } finally {
            lock.unlock();
        }
        release(g);
    }

    private void release(Generation<S> g) {
        try {
            if (g.sequence != null) {
                S sequence = g.sequence;
                g.sequence = null;
                decoder.release(sequence);
            }
        } finally {
            g.releasedByScheduler();
        }
    }

    /** Fails every generation still held (active, waiting, or taken from the queue when {@code cause} struck). */
    private void shutDown(List<Generation<S>> inFlight, Throwable cause) {
        List<Generation<S>> left;
        List<Runnable> pending;
        lock.lock();
        try {
            closed = true;
            left = new ArrayList<>(active);
            left.addAll(joining);
            inFlight.stream().filter(g -> !left.contains(g)).forEach(left::add);
            active.clear();
            joining.clear();
            pending = new ArrayList<>(tasks);
            tasks.clear();
        } finally {
            lock.unlock();
        }
        EngineException error = cause == null ? new EngineException("the model was unloaded while generating")
                : new EngineException("the model failed and stopped generating: " + cause, cause);
        for (Generation<S> g : left) {
            try {
                release(g);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "could not release a sequence of a stopped model", e);
            }
            g.fail(error);
        }
        // The decoder is still open: tasks queued before the close run, so their callers do not hang.
        pending.forEach(Runnable::run);
    }

    private static EngineException failure(RuntimeException e) {
        return e instanceof EngineException engine ? engine
                : new EngineException("the model failed while generating: " + e.getMessage(), e);
    }
}
