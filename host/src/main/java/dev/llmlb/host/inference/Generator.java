package dev.llmlb.host.inference;

import dev.llmlb.api.engine.ContextLengthExceededException;
import dev.llmlb.api.engine.EmbeddingRequest;
import dev.llmlb.api.engine.EmbeddingResult;
import dev.llmlb.api.engine.GenerationRequest;
import dev.llmlb.api.engine.GenerationResult;
import dev.llmlb.api.engine.JsonConstraint;
import dev.llmlb.api.engine.TokenLogprob;
import dev.llmlb.api.engine.TokenSink;
import dev.llmlb.api.engine.LoadedModel;
import dev.llmlb.api.engine.Prompt;
import dev.llmlb.api.engine.SamplingParams;
import dev.llmlb.host.failure.Failure;
import dev.llmlb.host.failure.FailureException;
import dev.llmlb.host.failure.Failures;
import dev.llmlb.host.metrics.NodeMetrics;
import dev.llmlb.host.models.Cancellation;
import dev.llmlb.host.models.Lease;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * Runs generations on platform threads (engines spend their time in native code, which would pin the carrier of
 * a virtual thread) and hands the text back to the request's own thread, which writes it to the client. Stop
 * sequences are applied here, the same for every engine.
 *
 * <p>A request that is cancelled (its client left, or the node stops) stops its generation at the next token.
 * Either way this call returns only once the engine has returned, so the caller may release the model's lease
 * when it returns and not before.
 */
public final class Generator implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(Generator.class.getName());

    private final ExecutorService threads = Executors.newCachedThreadPool(
            Thread.ofPlatform().name("generate-", 0).daemon(true).factory());
    private final NodeMetrics metrics;

    public Generator(NodeMetrics metrics) {
        this.metrics = metrics;
    }

    /**
     * What to generate, as the OpenAI endpoints ask for it.
     *
     * @param constraint  the JSON the output must be, if any
     * @param topLogprobs present to report each token's log probability and this many alternatives
     */
    public record Request(Prompt prompt, OptionalInt maxTokens, SamplingParams sampling, List<String> stops,
                          Optional<JsonConstraint> constraint, OptionalInt topLogprobs) {

        /** Free text without log probabilities. */
        public Request(Prompt prompt, OptionalInt maxTokens, SamplingParams sampling, List<String> stops) {
            this(prompt, maxTokens, sampling, stops, Optional.empty(), OptionalInt.empty());
        }

        /** The same request with another seed: each of several choices gets its own. */
        public Request withSeed(OptionalLong seed) {
            return new Request(prompt, maxTokens, sampling.withSeed(seed), stops, constraint, topLogprobs);
        }
    }

    private sealed interface Event {
    }

    private record Text(String text, List<TokenLogprob> logprobs) implements Event {
    }

    private record Done(GenerationResult result, Throwable failure) implements Event {
    }

    /**
     * Generates, calling {@code out} with each piece of text on the calling thread.
     *
     * @throws FailureException    for a request the engine refuses (400) or an engine failure (500)
     * @throws ClientGoneException when the request was cancelled or {@code out} failed (the client left); the
     *                             generation has stopped
     */
    public Outcome generate(Lease lease, Request request, Cancellation cancellation, TextConsumer out) {
        long started = System.nanoTime();
        String modelId = lease.modelId();
        LoadedModel model = lease.model();
        StopMatcher matcher = new StopMatcher(request.stops());
        BlockingQueue<Event> events = new LinkedBlockingQueue<>();
        threads.execute(() -> {
            try {
                int limit = request.maxTokens().orElseGet(() -> roomLeft(model, request.prompt()));
                GenerationRequest generation = new GenerationRequest(request.prompt(), limit, request.sampling(),
                        request.constraint(), request.topLogprobs());
                List<TokenLogprob> pending = new ArrayList<>();
                GenerationResult result = model.generate(generation, new TokenSink() {
                    @Override
                    public boolean onToken(String piece) {
                        return onToken(piece, null);
                    }

                    @Override
                    public boolean onToken(String piece, TokenLogprob logprob) {
                        if (cancellation.isCancelled()) {
                            return false;
                        }
                        if (logprob != null) {
                            pending.add(logprob);
                        }
                        String ready = matcher.push(piece);
                        if (!ready.isEmpty()) {
                            events.add(new Text(ready, List.copyOf(pending)));
                            pending.clear();
                        }
                        return !matcher.matched();
                    }
                });
                if (!matcher.matched() && !pending.isEmpty()) {
                    // Tokens whose text is still held back (or was empty) keep their place in the log.
                    events.add(new Text("", List.copyOf(pending)));
                }
                events.add(new Done(result, null));
            } catch (RuntimeException | Error e) {
                events.add(new Done(null, e));
            }
        });
        StringBuilder sent = new StringBuilder();
        List<TokenLogprob> logprobs = new ArrayList<>();
        boolean interrupted = false;
        while (true) {
            Event event;
            try {
                event = events.take();
            } catch (InterruptedException e) {
                // The node is stopping: end the generation, but still wait for the engine to return.
                interrupted = true;
                cancellation.cancel("the node is shutting down");
                continue;
            }
            if (event instanceof Text text) {
                if (sent.isEmpty() && !text.text().isEmpty()) {
                    metrics.firstToken(modelId, System.nanoTime() - started);
                }
                if (!cancellation.isCancelled() && write(out, text.text(), text.logprobs(), cancellation)) {
                    sent.append(text.text());
                    logprobs.addAll(text.logprobs());
                }
                continue;
            }
            Done done = (Done) event;
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            if (done.failure() != null) {
                throw failure(modelId, done.failure());
            }
            GenerationResult result = done.result();
            metrics.tokens(modelId, result.promptTokens(), result.completionTokens());
            if (cancellation.isCancelled()) {
                throw new ClientGoneException(cancellation.reason());
            }
            String rest = matcher.flush();
            if (!rest.isEmpty() && write(out, rest, List.of(), cancellation)) {
                sent.append(rest);
            }
            if (cancellation.isCancelled()) {
                throw new ClientGoneException(cancellation.reason());
            }
            String finish = result.finishReason() == GenerationResult.FinishReason.LENGTH && !matcher.matched()
                    ? "length" : "stop";
            return new Outcome(finish, sent.toString(), result.promptTokens(), result.completionTokens(),
                    request.topLogprobs().isPresent() ? Optional.of(List.copyOf(logprobs)) : Optional.empty());
        }
    }

    /** Writes to the client; a failed write means it left, which cancels the request. */
    private static boolean write(TextConsumer out, String text, List<TokenLogprob> logprobs,
                                 Cancellation cancellation) {
        try {
            out.accept(text, logprobs);
            return true;
        } catch (IOException | UncheckedIOException | ClientGoneException e) {
            cancellation.cancel("the client closed the connection");
            return false;
        }
    }

    private static int roomLeft(LoadedModel model, Prompt prompt) {
        int promptTokens = model.countPromptTokens(prompt);
        int room = model.info().contextLength() - promptTokens;
        if (room < 1) {
            throw new ContextLengthExceededException(promptTokens, model.info().contextLength());
        }
        return room;
    }

    private static FailureException failure(String modelId, Throwable thrown) {
        Failure failure = Failures.of(thrown);
        if (!Failures.isExpected(thrown)) {
            LOG.log(Level.ERROR, "Model " + modelId + " failed to generate", thrown);
            failure = new Failure(Failure.Kind.ENGINE_ERROR, "engine_error", "The engine failed while generating "
                    + "with model '" + modelId + "'; the node's log has the details.");
        }
        return failure.exception();
    }

    /** Embeds on a platform thread; returns once the engine has. */
    public EmbeddingResult embed(Lease lease, EmbeddingRequest request) {
        var future = threads.submit(() -> lease.model().embed(request));
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return future.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } catch (java.util.concurrent.ExecutionException e) {
            throw failure(lease.modelId(), e.getCause());
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void close() {
        threads.shutdownNow();
    }
}
