package dev.llmlb.engine.llamacpp;

import dev.llmlb.api.engine.EngineException;
import dev.llmlb.api.engine.GenerationRequest;
import dev.llmlb.api.engine.GenerationResult;
import dev.llmlb.api.engine.InferenceEngine;
import dev.llmlb.api.engine.LoadOptions;
import dev.llmlb.api.engine.LoadedModel;
import dev.llmlb.api.engine.LocalModel;
import dev.llmlb.api.engine.Prompt;
import dev.llmlb.api.engine.SamplingParams;
import dev.llmlb.testkit.models.GgufWriter;
import dev.llmlb.testkit.models.TinyLlamaConfig;
import dev.llmlb.testkit.models.TinyLlamaWeights;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Several generations on one loaded model, through llama.cpp's slots. */
class LlamaCppParallelTest {

    @TempDir
    Path dir;
    private LlamaCppEngine engine;
    private LocalModel local;
    private LoadedModel model;
    /** Threads of their own: the common pool may have a single thread on a small machine. */
    private final java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newCachedThreadPool();

    @BeforeEach
    void load() {
        engine = (LlamaCppEngine) new LlamaCppEngineFactory().create(TinyModels.context(Map.of(), dir));
        local = TinyModels.write(new GgufWriter(TinyLlamaWeights.generate(TinyLlamaConfig.tiny())
                .withoutEndOfSequence()), dir, "tiny");
        model = engine.load(local, LoadOptions.cpu(2, 0).withParallelSequences(2));
    }

    @AfterEach
    void unload() {
        threads.shutdownNow();
        model.close();
        engine.close();
    }

    private static GenerationRequest greedy(String prompt, int tokens) {
        return new GenerationRequest(new Prompt.Text(prompt), tokens, SamplingParams.greedy());
    }

    /** Starts a generation whose sink waits at its second token until {@code resume} opens. */
    private CompletableFuture<GenerationResult> pausedAtSecondToken(CountDownLatch paused, CountDownLatch resume) {
        return CompletableFuture.supplyAsync(() -> {
            int[] calls = {0};
            return model.generate(greedy("The first one", 40), piece -> {
                if (++calls[0] == 2) {
                    paused.countDown();
                    try {
                        resume.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return true;
            });
        }, threads);
    }

    @Test
    void twoGenerationsStartedTogetherDecodeTogether() throws Exception {
        CountDownLatch start = new CountDownLatch(1);
        List<CompletableFuture<long[]>> runs = new ArrayList<>();
        for (String prompt : List.of("One", "Two")) {
            runs.add(CompletableFuture.supplyAsync(() -> {
                long[] firstAndLast = new long[2];
                try {
                    start.await();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                model.generate(greedy(prompt, 200), piece -> {
                    long now = System.nanoTime();
                    if (firstAndLast[0] == 0) {
                        firstAndLast[0] = now;
                    }
                    firstAndLast[1] = now;
                    return true;
                });
                return firstAndLast;
            }, threads));
        }
        start.countDown();
        long[] one = runs.get(0).get(60, TimeUnit.SECONDS);
        long[] two = runs.get(1).get(60, TimeUnit.SECONDS);
        assertTrue(one[0] < two[1] && two[0] < one[1], "each gets tokens before the other has its last one");
    }

    @Test
    void aGenerationRunsToItsEndWhileAnotherWaitsInItsSink() throws Exception {
        CountDownLatch paused = new CountDownLatch(1);
        CountDownLatch resume = new CountDownLatch(1);
        CompletableFuture<GenerationResult> first = pausedAtSecondToken(paused, resume);
        assertTrue(paused.await(30, TimeUnit.SECONDS));
        GenerationResult second = CompletableFuture.supplyAsync(() -> TinyModels.greedy(model, "The second", 16)
                .result(), threads).get(30, TimeUnit.SECONDS);
        assertEquals(16, second.completionTokens(), "the second ran on the other slot, beside the paused one");
        assertFalse(first.isDone());
        resume.countDown();
        assertEquals(new GenerationResult(GenerationResult.FinishReason.LENGTH, first.get().promptTokens(), 40),
                first.get(30, TimeUnit.SECONDS));
    }

    @Test
    void closingWhileAGenerationRunsHandsTheNativeModelBackOnlyWhenItReturns() throws Exception {
        CountDownLatch paused = new CountDownLatch(1);
        CountDownLatch resume = new CountDownLatch(1);
        CompletableFuture<GenerationResult> running = pausedAtSecondToken(paused, resume);
        assertTrue(paused.await(30, TimeUnit.SECONDS));
        model.close();
        assertThrows(IllegalStateException.class, () -> model.countPromptTokens(new Prompt.Text("x")),
                "new calls are refused at once");
        assertEquals(0, engine.nativeModels().parkedCount(), "still in use: not handed back");
        resume.countDown();
        assertEquals(40, running.get(30, TimeUnit.SECONDS).completionTokens(), "the running one ends normally");
        assertEquals(1, engine.nativeModels().parkedCount(), "handed back by the last call out");
        model = engine.load(local, LoadOptions.cpu(2, 0).withParallelSequences(2));
        assertEquals(0, engine.nativeModels().parkedCount(), "and reused by the next load");
        assertEquals(8, TinyModels.greedy(model, "again", 8).result().completionTokens());
    }

    @Test
    void anInterruptedGenerationEndsPromptlyAndFreesItsSlot() throws Exception {
        List<String> expected = TinyModels.greedy(model, "Interrupt me", 12).pieces();
        CountDownLatch started = new CountDownLatch(1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread thread = new Thread(() -> {
            try {
                model.generate(greedy("A long one", 400), piece -> {
                    started.countDown();
                    return true;
                });
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        thread.start();
        assertTrue(started.await(30, TimeUnit.SECONDS));
        thread.interrupt();
        thread.join(30_000);
        assertFalse(thread.isAlive());
        assertTrue(failure.get() instanceof EngineException, String.valueOf(failure.get()));
        List<CompletableFuture<List<String>>> both = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            both.add(CompletableFuture.supplyAsync(() -> TinyModels.greedy(model, "Interrupt me", 12).pieces(),
                    threads));
        }
        for (CompletableFuture<List<String>> run : both) {
            assertEquals(expected, run.get(30, TimeUnit.SECONDS), "both slots serve again, with the same text");
        }
    }
}
