package dev.llmlb.engine.hf;

import dev.llmlb.api.engine.ContextLengthExceededException;
import dev.llmlb.api.engine.EngineException;
import dev.llmlb.api.engine.GenerationResult;
import dev.llmlb.api.engine.GenerationResult.FinishReason;
import dev.llmlb.api.engine.SamplingParams;
import dev.llmlb.api.engine.TokenSink;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
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

    /** Tokens the scheduler may produce for a sequence before its sink has taken them. */
    static final int WINDOW = 2;

    private final BatchDecoder<S> decoder;
    private final int maxSequences;
    private final int contextLength;
    private final Set<Integer> eosTokenIds;
    private final Function<int[], String> detokenize;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition work = lock.newCondition();
    /** Guarded by {@link #lock}. */
    private final ArrayDeque<Generation> joining = new ArrayDeque<>();
    /** Guarded by {@link #lock}. */
    private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
    /** Guarded by {@link #lock}. */
    private boolean closed;
    /** Read under {@link #lock}, written by the scheduler thread under it. */
    private final List<Generation> active = new ArrayList<>();
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
        int prompt = promptTokens.length;
        if (prompt == 0) {
            throw new EngineException("the prompt has no tokens");
        }
        if (prompt + 1 > contextLength) {
            throw new ContextLengthExceededException(prompt, contextLength);
        }
        Generation generation = new Generation(promptTokens.clone(), Math.min(maxTokens, contextLength - prompt),
                new Sampler(sampling));
        submit(generation);
        IncrementalDetokenizer text = new IncrementalDetokenizer(detokenize);
        int delivered = 0;
        try {
            while (true) {
                Event event = generation.events.take();
                wake();
                switch (event) {
                    case Event.Token token -> {
                        delivered++;
                        if (!sink.onToken(text.next(token.id()))) {
                            return new GenerationResult(FinishReason.STOPPED_BY_SINK, prompt, delivered);
                        }
                        if (token.last()) {
                            return new GenerationResult(FinishReason.LENGTH, prompt, delivered);
                        }
                    }
                    case Event.EndOfSequence end -> {
                        return new GenerationResult(FinishReason.END_OF_SEQUENCE, prompt, delivered);
                    }
                    case Event.Failed failed -> throw new EngineException(failed.error().getMessage(),
                            failed.error());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EngineException("interrupted while generating", e);
        } finally {
            generation.left = true;
            wake();
            // Once generate returns, the sequence's cache is free: at most the running step away.
            generation.awaitReleased();
        }
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

    private void submit(Generation generation) {
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
        try {
            while (true) {
                List<Generation> joiners = new ArrayList<>();
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
        } finally {
            shutDown();
        }
    }

    /** Whether a waiting generation fits beside the active ones and {@code taken} joiners. Under {@link #lock}. */
    private boolean canJoin(int taken) {
        return !joining.isEmpty() && active.size() + taken < maxSequences;
    }

    /** Whether some active sequence can take a step, or left and holds a cache to free. Under {@link #lock}. */
    private boolean hasWork() {
        for (Generation g : active) {
            if (g.left || g.ready()) {
                return true;
            }
        }
        return false;
    }

    private void dropThoseWhoLeft() {
        List<Generation> gone = active.stream().filter(g -> g.left).toList();
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

    private void prefill(Generation g) {
        if (g.left) {
            release(g);
            return;
        }
        float[] logits;
        try {
            g.sequence = decoder.open();
            logits = decoder.prefill(g.sequence, g.prompt);
        } catch (RuntimeException e) {
            release(g);
            g.events.add(new Event.Failed(failure(e)));
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
        List<Generation> ready = active.stream().filter(Generation::ready).toList();
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
                g.events.add(new Event.Failed(error));
            });
            return;
        }
        for (int i = 0; i < ready.size(); i++) {
            advance(ready.get(i), logits[i]);
        }
    }

    /** Samples the sequence's next token and hands it to the caller, or ends the sequence. */
    private void advance(Generation g, float[] logits) {
        int token = g.sampler.next(logits);
        if (eosTokenIds.contains(token)) {
            finish(g);
            g.events.add(new Event.EndOfSequence());
            return;
        }
        g.produced++;
        boolean last = g.produced >= g.limit;
        if (last) {
            finish(g);
        } else {
            g.next = token;
        }
        g.events.add(new Event.Token(token, last));
    }

    /** Takes a sequence out of the batch and frees its cache, before its caller hears the end. */
    private void finish(Generation g) {
        lock.lock();
        try {
            active.remove(g);
        } finally {
            lock.unlock();
        }
        release(g);
    }

    private void release(Generation g) {
        if (g.sequence != null) {
            S sequence = g.sequence;
            g.sequence = null;
            decoder.release(sequence);
        }
        g.released.countDown();
    }

    private void shutDown() {
        List<Generation> left;
        List<Runnable> pending;
        lock.lock();
        try {
            closed = true;
            left = new ArrayList<>(active);
            left.addAll(joining);
            active.clear();
            joining.clear();
            pending = new ArrayList<>(tasks);
            tasks.clear();
        } finally {
            lock.unlock();
        }
        EngineException error = new EngineException("the model was unloaded while generating");
        for (Generation g : left) {
            release(g);
            g.events.add(new Event.Failed(error));
        }
        // The decoder is still open: tasks queued before the close run, so their callers do not hang.
        pending.forEach(Runnable::run);
    }

    private static EngineException failure(RuntimeException e) {
        return e instanceof EngineException engine ? engine
                : new EngineException("the model failed while generating: " + e.getMessage(), e);
    }

    /** What the scheduler tells a caller. */
    private sealed interface Event {
        record Token(int id, boolean last) implements Event {
        }

        record EndOfSequence() implements Event {
        }

        record Failed(EngineException error) implements Event {
        }
    }

    /** One generation: the caller's request and, on the scheduler thread, its sequence. */
    private final class Generation {
        final int[] prompt;
        final int limit;
        final Sampler sampler;
        final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
        /** Set by the caller when it stops listening, however it ends. */
        volatile boolean left;
        /** Counted down once the scheduler holds nothing of this generation any more. */
        final CountDownLatch released = new CountDownLatch(1);
        S sequence;
        int produced;
        int next;

        Generation(int[] prompt, int limit, Sampler sampler) {
            this.prompt = prompt;
            this.limit = limit;
            this.sampler = sampler;
        }

        void awaitReleased() {
            boolean interrupted = false;
            while (true) {
                try {
                    released.await();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }

        /** Whether the next step should advance this sequence: its caller listens and keeps up. */
        boolean ready() {
            return !left && events.size() < WINDOW;
        }
    }
}
