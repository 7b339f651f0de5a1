package dev.llmlb.engine.hf;

import dev.llmlb.api.engine.ContextLengthExceededException;
import dev.llmlb.api.engine.EngineException;
import dev.llmlb.api.engine.GenerationResult;
import dev.llmlb.api.engine.GenerationResult.FinishReason;
import dev.llmlb.api.engine.SamplingParams;
import dev.llmlb.api.engine.TokenSink;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(30)
class DecodeSchedulerTest {

    private static final int VOCAB = 10;
    private static final int EOS = 9;

    /** Token {@code id} as the letter {@code 'a' + id}. */
    private static String letters(int[] ids) {
        StringBuilder out = new StringBuilder();
        for (int id : ids) {
            out.append((char) ('a' + id));
        }
        return out.toString();
    }

    /**
     * A fake model whose logits depend on everything its sequence was fed (so tokens crossing between sequences
     * would show), recording each pass, the sequences open at once, and which were released.
     */
    private static class FakeDecoder implements BatchDecoder<FakeDecoder.Sequence> {
        static final class Sequence {
            final List<Integer> fed = Collections.synchronizedList(new ArrayList<>());
            volatile boolean released;
        }

        final List<Sequence> opened = Collections.synchronizedList(new ArrayList<>());
        final List<Integer> batchSizes = Collections.synchronizedList(new ArrayList<>());
        final AtomicInteger open = new AtomicInteger();
        final AtomicInteger mostOpen = new AtomicInteger();
        final IntFunction<float[]> model;

        /** @param model the logits from the sequence's history hash */
        FakeDecoder(IntFunction<float[]> model) {
            this.model = model;
        }

        /** Predicts the last fed token + 1. */
        static FakeDecoder counting() {
            return new FakeDecoder(null) {
                @Override
                float[] logits(Sequence s) {
                    float[] logits = new float[VOCAB];
                    logits[(s.fed.get(s.fed.size() - 1) + 1) % VOCAB] = 10f;
                    return logits;
                }
            };
        }

        float[] logits(Sequence s) {
            int hash = 17;
            synchronized (s.fed) {
                for (int t : s.fed) {
                    hash = hash * 31 + t;
                }
            }
            return model.apply(hash);
        }

        @Override
        public Sequence open() {
            Sequence s = new Sequence();
            opened.add(s);
            mostOpen.accumulateAndGet(open.incrementAndGet(), Math::max);
            return s;
        }

        @Override
        public float[] prefill(Sequence sequence, int[] tokens) {
            for (int t : tokens) {
                sequence.fed.add(t);
            }
            return logits(sequence);
        }

        @Override
        public float[][] decode(List<Sequence> sequences, int[] tokens) {
            batchSizes.add(sequences.size());
            float[][] out = new float[sequences.size()][];
            for (int i = 0; i < sequences.size(); i++) {
                assertFalse(sequences.get(i).released, "a released sequence was stepped");
                sequences.get(i).fed.add(tokens[i]);
                out[i] = logits(sequences.get(i));
            }
            return out;
        }

        @Override
        public void release(Sequence sequence) {
            assertFalse(sequence.released, "released twice");
            sequence.released = true;
            open.decrementAndGet();
        }
    }

    /** 64 tokens, 63 ends the sequence and is never likely; every other logit a function of the history. */
    private static final int WIDE = 64;

    private static float[] spread(int hash) {
        float[] logits = new float[WIDE];
        for (int j = 0; j < WIDE; j++) {
            logits[j] = Math.floorMod(hash * (j + 7), 97) / 10f;
        }
        logits[WIDE - 1] = -100f;
        return logits;
    }

    private DecodeScheduler<?> scheduler;

    private <S> DecodeScheduler<S> start(BatchDecoder<S> decoder, int maxSequences, int context) {
        DecodeScheduler<S> started = DecodeScheduler.start("test", decoder, maxSequences, context, Set.of(EOS),
                DecodeSchedulerTest::letters);
        scheduler = started;
        return started;
    }

    @AfterEach
    void stop() {
        if (scheduler != null) {
            scheduler.close();
        }
    }

    @Test
    void maxTokensEndsWithLengthAfterExactlyThatManyTokens() {
        FakeDecoder model = FakeDecoder.counting();
        List<String> pieces = new ArrayList<>();
        GenerationResult result = start(model, 1, 100).generate(new int[] {0, 1}, 3, SamplingParams.greedy(),
                pieces::add);
        assertEquals(new GenerationResult(FinishReason.LENGTH, 2, 3), result);
        assertEquals(List.of("c", "d", "e"), pieces);
        assertEquals(List.of(0, 1, 2, 3), model.opened.get(0).fed, "the prompt at once, then one token per step");
        assertTrue(model.opened.get(0).released);
    }

    @Test
    void endOfSequenceIsNeitherSentNorCounted() {
        List<String> pieces = new ArrayList<>();
        GenerationResult result = start(FakeDecoder.counting(), 1, 100).generate(new int[] {5}, 50,
                SamplingParams.greedy(), pieces::add);
        assertEquals(new GenerationResult(FinishReason.END_OF_SEQUENCE, 1, 3), result);
        assertEquals(List.of("g", "h", "i"), pieces);
    }

    @Test
    void theSinkStopsAtOnceTheRefusedTokenCountsAndTheCacheIsFreed() throws Exception {
        FakeDecoder model = FakeDecoder.counting();
        List<String> pieces = new ArrayList<>();
        GenerationResult result = start(model, 1, 100).generate(new int[] {0}, 50, SamplingParams.greedy(),
                piece -> pieces.add(piece) && pieces.size() < 2);
        assertEquals(new GenerationResult(FinishReason.STOPPED_BY_SINK, 1, 2), result);
        FakeDecoder.Sequence sequence = model.opened.get(0);
        awaitTrue(() -> sequence.released);
        assertTrue(sequence.fed.size() <= 1 + 2 + DecodeScheduler.WINDOW,
                "at most the window's tokens computed past the refusal: " + sequence.fed);
    }

    @Test
    void aFullContextEndsWithLength() {
        GenerationResult result = start(FakeDecoder.counting(), 1, 6).generate(new int[] {0, 0, 0, 0}, 50,
                SamplingParams.greedy(), piece -> true);
        assertEquals(new GenerationResult(FinishReason.LENGTH, 4, 2), result);
    }

    @Test
    void aPromptThatLeavesNoRoomIsRefusedBeforeAnyStep() {
        FakeDecoder model = FakeDecoder.counting();
        ContextLengthExceededException e = assertThrows(ContextLengthExceededException.class,
                () -> start(model, 1, 4).generate(new int[] {1, 2, 3, 4}, 5, SamplingParams.greedy(), p -> true));
        assertEquals(4, e.promptTokens());
        assertEquals(4, e.contextLength());
        assertTrue(model.opened.isEmpty());
    }

    @Test
    void aFailingModelBecomesAnEngineErrorFreesTheCacheAndTheModelGoesOn() {
        AtomicInteger failures = new AtomicInteger(1);
        FakeDecoder model = new FakeDecoder(DecodeSchedulerTest::spread) {
            @Override
            public float[][] decode(List<Sequence> sequences, int[] tokens) {
                if (failures.getAndDecrement() > 0) {
                    throw new IllegalStateException("out of memory");
                }
                return super.decode(sequences, tokens);
            }
        };
        DecodeScheduler<?> s = start(model, 2, 100);
        EngineException e = assertThrows(EngineException.class,
                () -> s.generate(new int[] {1}, 5, SamplingParams.greedy(), piece -> true));
        assertTrue(e.getMessage().contains("out of memory"), e.getMessage());
        assertTrue(model.opened.get(0).released);
        assertEquals(5, s.generate(new int[] {1}, 5, SamplingParams.greedy(), piece -> true).completionTokens());
        assertThrows(UnsupportedOperationException.class, () -> s.generate(new int[] {1}, 5,
                SamplingParams.greedy(), piece -> {
                    throw new UnsupportedOperationException("client gone");
                }));
    }

    /** What one caller got. */
    private record Outcome(List<String> pieces, GenerationResult result) {
    }

    private static Outcome run(DecodeScheduler<?> s, int[] prompt, int max, SamplingParams sampling,
                               TokenSink extra) {
        List<String> pieces = new ArrayList<>();
        GenerationResult result = s.generate(prompt, max, sampling, piece -> pieces.add(piece)
                && extra.onToken(piece));
        return new Outcome(pieces, result);
    }

    private static final int[][] PROMPTS = {{1, 2, 3}, {4, 5}, {6, 7, 8, 9, 10}, {11}};

    private static SamplingParams sampling(int i) {
        return i % 2 == 0 ? SamplingParams.greedy() : new SamplingParams(0.9, 0.95, OptionalLong.of(100 + i), 0.1, 0);
    }

    @Test
    void concurrentGenerationsShareStepsAndEachGetsWhatItGetsAlone() throws Exception {
        FakeDecoder model = new FakeDecoder(DecodeSchedulerTest::spread);
        DecodeScheduler<?> s = start(model, 4, 200);
        List<Outcome> alone = new ArrayList<>();
        for (int i = 0; i < PROMPTS.length; i++) {
            alone.add(run(s, PROMPTS[i], 40, sampling(i), p -> true));
        }
        model.batchSizes.clear();
        List<Outcome> together = concurrently(PROMPTS.length, i -> run(s, PROMPTS[i], 40, sampling(i), p -> true));
        assertEquals(alone, together);
        assertTrue(model.batchSizes.stream().anyMatch(n -> n > 1), "steps ran several sequences at once: "
                + model.batchSizes);
        assertTrue(s.stats().largestBatch() > 1, s.stats().toString());
        assertTrue(model.opened.stream().allMatch(q -> q.released));
    }

    @Test
    void aSequenceThatStopsLeavesTheOthersUnchanged() throws Exception {
        FakeDecoder model = new FakeDecoder(DecodeSchedulerTest::spread);
        DecodeScheduler<?> s = start(model, 4, 200);
        List<Outcome> alone = new ArrayList<>();
        for (int i = 0; i < PROMPTS.length; i++) {
            alone.add(run(s, PROMPTS[i], 40, sampling(i), p -> true));
        }
        List<Outcome> together = concurrently(PROMPTS.length, i -> {
            AtomicInteger seen = new AtomicInteger();
            return run(s, PROMPTS[i], 40, sampling(i), p -> i != 1 || seen.incrementAndGet() < 10);
        });
        for (int i = 0; i < PROMPTS.length; i++) {
            if (i == 1) {
                assertEquals(new GenerationResult(FinishReason.STOPPED_BY_SINK, 2, 10), together.get(i).result());
                assertEquals(alone.get(i).pieces().subList(0, 10), together.get(i).pieces());
            } else {
                assertEquals(alone.get(i), together.get(i), "generation " + i);
            }
        }
    }

    @Test
    void callersBeyondTheBatchWaitTheirTurn() throws Exception {
        FakeDecoder model = new FakeDecoder(DecodeSchedulerTest::spread);
        DecodeScheduler<?> s = start(model, 2, 200);
        List<Outcome> all = concurrently(6, i -> run(s, PROMPTS[i % PROMPTS.length], 20, sampling(i), p -> true));
        assertTrue(all.stream().allMatch(o -> o.result().completionTokens() == 20));
        assertEquals(2, model.mostOpen.get(), "never more sequences than the batch holds");
    }

    @Test
    void aSinkThatBlocksDoesNotHoldUpTheOthers() throws Exception {
        FakeDecoder model = new FakeDecoder(DecodeSchedulerTest::spread);
        DecodeScheduler<?> s = start(model, 2, 200);
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<Outcome> stuck = pool.submit(() -> run(s, PROMPTS[0], 30, SamplingParams.greedy(), p -> {
                await(release);
                return true;
            }));
            Outcome free = pool.submit(() -> run(s, PROMPTS[1], 100, SamplingParams.greedy(), p -> true))
                    .get(10, TimeUnit.SECONDS);
            assertEquals(100, free.result().completionTokens());
            assertFalse(stuck.isDone());
            release.countDown();
            assertEquals(30, stuck.get(10, TimeUnit.SECONDS).result().completionTokens());
        } finally {
            release.countDown();
            pool.shutdownNow();
        }
    }

    @Test
    void closeWaitsForTheRunningStepFailsTheCallersAndFreesEveryCache() throws Exception {
        CountDownLatch inStep = new CountDownLatch(1);
        CountDownLatch finishStep = new CountDownLatch(1);
        AtomicInteger runningSteps = new AtomicInteger();
        FakeDecoder model = new FakeDecoder(DecodeSchedulerTest::spread) {
            @Override
            public float[][] decode(List<Sequence> sequences, int[] tokens) {
                runningSteps.incrementAndGet();
                try {
                    inStep.countDown();
                    await(finishStep);
                    return super.decode(sequences, tokens);
                } finally {
                    runningSteps.decrementAndGet();
                }
            }
        };
        DecodeScheduler<?> s = start(model, 2, 200);
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            Future<?> caller = pool.submit(() -> s.generate(PROMPTS[0], 50, SamplingParams.greedy(), p -> true));
            assertTrue(inStep.await(10, TimeUnit.SECONDS));
            Future<?> closing = pool.submit(s::close);
            Thread.sleep(200);
            assertFalse(closing.isDone(), "close returned while a step was running");
            finishStep.countDown();
            closing.get(10, TimeUnit.SECONDS);
            assertEquals(0, runningSteps.get());
            Exception e = assertThrows(Exception.class, () -> caller.get(10, TimeUnit.SECONDS));
            assertTrue(e.getCause() instanceof EngineException, String.valueOf(e.getCause()));
            assertTrue(model.opened.stream().allMatch(q -> q.released));
            assertThrows(EngineException.class, () -> s.generate(PROMPTS[1], 5, SamplingParams.greedy(), p -> true));
        } finally {
            finishStep.countDown();
            pool.shutdownNow();
        }
    }

    @Test
    void aBugInTheSchedulerFailsEveryCallerInsteadOfLeavingThemWaiting() throws Exception {
        FakeDecoder model = new FakeDecoder(DecodeSchedulerTest::spread) {
            @Override
            public float[][] decode(List<Sequence> sequences, int[] tokens) {
                // Logits the sampler cannot read: a broken engine, not a failing pass.
                return new float[sequences.size()][];
            }
        };
        DecodeScheduler<?> s = start(model, 4, 200);
        List<Future<?>> callers = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            for (int i = 0; i < 3; i++) {
                int index = i;
                callers.add(pool.submit(() -> s.generate(PROMPTS[index], 20, SamplingParams.greedy(), p -> true)));
            }
            for (Future<?> caller : callers) {
                Exception e = assertThrows(Exception.class, () -> caller.get(10, TimeUnit.SECONDS));
                assertTrue(e.getCause() instanceof EngineException, String.valueOf(e));
            }
            assertTrue(model.opened.stream().allMatch(q -> q.released));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void exclusiveWorkRunsOnTheSchedulerThread() {
        DecodeScheduler<?> s = start(FakeDecoder.counting(), 1, 100);
        assertEquals("llmlb-decode-test", s.exclusively(() -> Thread.currentThread().getName()));
    }

    private interface Job {
        Outcome run(int index) throws Exception;
    }

    private static List<Outcome> concurrently(int count, Job job) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(count);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Outcome>> futures = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                int index = i;
                futures.add(pool.submit(() -> {
                    start.await();
                    return job.run(index);
                }));
            }
            start.countDown();
            List<Outcome> out = new ArrayList<>();
            for (Future<Outcome> f : futures) {
                out.add(f.get(20, TimeUnit.SECONDS));
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void awaitTrue(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out");
            Thread.sleep(5);
        }
    }
}
