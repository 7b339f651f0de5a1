package dev.llmlb.engine.hf;

import dev.llmlb.api.engine.EngineException;
import dev.llmlb.api.engine.GenerationResult;
import dev.llmlb.api.engine.GenerationResult.FinishReason;
import dev.llmlb.api.engine.TokenLogprob;
import dev.llmlb.api.engine.TokenSink;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Function;

/**
 * One generation in a {@link DecodeScheduler}: what its caller asked for, the events the scheduler sends it, and on
 * the scheduler's side its sequence and progress. The scheduler thread sends ({@link #token}, {@link #endOfSequence},
 * {@link #fail}); the caller's thread receives in {@link #deliver}.
 *
 * @param <S> the decoder's sequence handle
 */
final class Generation<S> {

    /** What the scheduler tells the caller. */
    private sealed interface Event {
        record Token(int id, boolean last, Sampler.Logprobs logprobs) implements Event {
        }

        record EndOfSequence() implements Event {
        }

        record Failed(EngineException error) implements Event {
        }
    }

    final int[] prompt;
    /** Tokens this generation may produce: {@code maxTokens}, or less where the context ends. */
    final int limit;
    final Sampler sampler;
    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    /** Set by the caller when it stops listening, however it ends. */
    private volatile boolean left;
    /** Counted down once the scheduler holds nothing of this generation any more. */
    private final CountDownLatch released = new CountDownLatch(1);

    // The scheduler thread's own.
    S sequence;
    int produced;
    /** The token to feed at the next step. */
    int next;

    Generation(int[] prompt, int limit, Sampler sampler) {
        this.prompt = prompt;
        this.limit = limit;
        this.sampler = sampler;
    }

    /** Whether the caller has stopped listening. */
    boolean left() {
        return left;
    }

    /** Whether the next step should advance this sequence: its caller listens and has taken all but a few. */
    boolean ready(int window) {
        return !left && events.size() < window;
    }

    void token(int id, boolean last) {
        events.add(new Event.Token(id, last, sampler.lastLogprobs()));
    }

    void endOfSequence() {
        events.add(new Event.EndOfSequence());
    }

    void fail(EngineException error) {
        events.add(new Event.Failed(error));
    }

    /** The scheduler has let go of the sequence and its cache. */
    void releasedByScheduler() {
        released.countDown();
    }

    /**
     * The caller's side: hands each token's text to {@code sink} until the generation ends, then waits until the
     * scheduler has released the sequence. {@code taken} runs after each event taken, so the scheduler can go on
     * with a sequence it held back.
     *
     * @throws EngineException when the model failed or was closed, or the caller was interrupted
     */
    GenerationResult deliver(TokenSink sink, IncrementalDetokenizer text, Runnable taken,
                             Function<Sampler.Logprobs, TokenLogprob> logprobs) {
        int delivered = 0;
        try {
            while (true) {
                Event event = events.take();
                taken.run();
                switch (event) {
                    case Event.Token token -> {
                        delivered++;
                        String piece = text.next(token.id());
                        boolean go = token.logprobs() == null || logprobs == null ? sink.onToken(piece)
                                : sink.onToken(piece, logprobs.apply(token.logprobs()));
                        if (!go) {
                            return result(FinishReason.STOPPED_BY_SINK, delivered);
                        }
                        if (token.last()) {
                            return result(FinishReason.LENGTH, delivered);
                        }
                    }
                    case Event.EndOfSequence end -> {
                        return result(FinishReason.END_OF_SEQUENCE, delivered);
                    }
                    case Event.Failed failed -> throw new EngineException(failed.error().getMessage(),
                            failed.error());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EngineException("interrupted while generating", e);
        } finally {
            left = true;
            taken.run();
            // Once generate returns, the sequence's cache is free: at most the running step away.
            awaitReleased();
        }
    }

    private GenerationResult result(FinishReason reason, int delivered) {
        return new GenerationResult(reason, prompt.length, delivered);
    }

    private void awaitReleased() {
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
}
