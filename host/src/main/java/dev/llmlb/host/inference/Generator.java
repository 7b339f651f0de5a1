package dev.llmlb.host.inference;

import dev.llmlb.api.LlmlbException;
import dev.llmlb.api.engine.ContextLengthExceededException;
import dev.llmlb.api.engine.EmbeddingRequest;
import dev.llmlb.api.engine.EmbeddingResult;
import dev.llmlb.api.engine.GenerationRequest;
import dev.llmlb.api.engine.GenerationResult;
import dev.llmlb.api.engine.InvalidInputException;
import dev.llmlb.api.engine.LoadedModel;
import dev.llmlb.api.engine.Prompt;
import dev.llmlb.api.engine.SamplingParams;
import dev.llmlb.host.http.ApiException;
import dev.llmlb.host.metrics.NodeMetrics;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs generations on platform threads (engines spend their time in native code, which would pin the carrier of
 * a virtual thread) and hands the text back to the request's own thread, which writes it to the client. Stop
 * sequences are applied here, the same for every engine. A client that goes away stops the generation at the
 * next token.
 */
public final class Generator implements AutoCloseable {

    private final ExecutorService threads = Executors.newCachedThreadPool(
            Thread.ofPlatform().name("generate-", 0).daemon(true).factory());
    private final NodeMetrics metrics;

    public Generator(NodeMetrics metrics) {
        this.metrics = metrics;
    }

    private sealed interface Event {
    }

    private record Text(String text) implements Event {
    }

    private record Done(GenerationResult result, Throwable failure) implements Event {
    }

    /**
     * Generates, calling {@code out} with each piece of text on the calling thread.
     *
     * @param maxTokens the client's limit; empty to fill the context
     * @throws ApiException         for a prompt too long for the context (400) or an engine failure (500)
     * @throws UncheckedIOException when {@code out} failed (the client left); generation was stopped
     */
    public Outcome generate(String modelId, LoadedModel model, Prompt prompt, OptionalInt maxTokens,
                            SamplingParams sampling, List<String> stops, TextConsumer out) {
        long started = System.nanoTime();
        int limit = maxTokens.orElseGet(() -> defaultLimit(model, prompt));
        GenerationRequest request = new GenerationRequest(prompt, limit, sampling);
        StopMatcher matcher = new StopMatcher(stops);
        BlockingQueue<Event> events = new LinkedBlockingQueue<>();
        AtomicBoolean clientGone = new AtomicBoolean();
        threads.execute(() -> {
            try {
                GenerationResult result = model.generate(request, piece -> {
                    if (clientGone.get()) {
                        return false;
                    }
                    String ready = matcher.push(piece);
                    if (!ready.isEmpty()) {
                        events.add(new Text(ready));
                    }
                    return !matcher.matched();
                });
                events.add(new Done(result, null));
            } catch (RuntimeException | Error e) {
                events.add(new Done(null, e));
            }
        });
        StringBuilder sent = new StringBuilder();
        IOException failure = null;
        while (true) {
            Event event;
            try {
                event = events.take();
            } catch (InterruptedException e) {
                clientGone.set(true);
                Thread.currentThread().interrupt();
                throw new UncheckedIOException(new IOException("interrupted"));
            }
            if (event instanceof Text text) {
                if (sent.isEmpty()) {
                    metrics.firstToken(modelId, System.nanoTime() - started);
                }
                if (failure == null) {
                    try {
                        out.accept(text.text());
                        sent.append(text.text());
                    } catch (IOException e) {
                        failure = e;
                        clientGone.set(true);
                    }
                }
                continue;
            }
            Done done = (Done) event;
            if (failure != null) {
                throw new UncheckedIOException(failure);
            }
            if (done.failure() != null) {
                throw toApi(done.failure());
            }
            String rest = matcher.flush();
            if (!rest.isEmpty()) {
                try {
                    out.accept(rest);
                    sent.append(rest);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            GenerationResult result = done.result();
            metrics.tokens(modelId, result.promptTokens(), result.completionTokens());
            String finish = result.finishReason() == GenerationResult.FinishReason.LENGTH && !matcher.matched()
                    ? "length" : "stop";
            return new Outcome(finish, sent.toString(), result.promptTokens(), result.completionTokens());
        }
    }

    private static int defaultLimit(LoadedModel model, Prompt prompt) {
        int promptTokens = model.countPromptTokens(prompt);
        int room = model.info().contextLength() - promptTokens;
        if (room < 1) {
            throw toApi(new ContextLengthExceededException(promptTokens, model.info().contextLength()));
        }
        return room;
    }

    /** Embeds on a platform thread. */
    public EmbeddingResult embed(LoadedModel model, EmbeddingRequest request) {
        Future<EmbeddingResult> future = threads.submit(() -> model.embed(request));
        try {
            return future.get();
        } catch (ExecutionException e) {
            throw toApi(e.getCause());
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw ApiException.unavailable("interrupted", "The node is shutting down.", 5);
        }
    }

    static ApiException toApi(Throwable failure) {
        if (failure instanceof ApiException api) {
            return api;
        }
        if (failure instanceof ContextLengthExceededException e) {
            return new ApiException(400, ApiException.INVALID_REQUEST, e.code(), "messages", e.getMessage());
        }
        if (failure instanceof InvalidInputException e) {
            return new ApiException(400, ApiException.INVALID_REQUEST, e.code(), e.param(), e.getMessage());
        }
        if (failure instanceof UnsupportedOperationException e) {
            return new ApiException(400, ApiException.INVALID_REQUEST, "unsupported_operation", "model",
                    e.getMessage());
        }
        if (failure instanceof LlmlbException e) {
            return new ApiException(500, ApiException.SERVER_ERROR, e.code(), null, e.getMessage());
        }
        return new ApiException(500, ApiException.SERVER_ERROR, "engine_error", null,
                "The engine failed: " + failure);
    }

    @Override
    public void close() {
        threads.shutdownNow();
    }
}
