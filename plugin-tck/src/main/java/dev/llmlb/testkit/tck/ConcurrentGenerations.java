package dev.llmlb.testkit.tck;

import dev.llmlb.api.engine.GenerationRequest;
import dev.llmlb.api.engine.GenerationResult;
import dev.llmlb.api.engine.LoadedModel;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Runs generations on one loaded model from several threads at once, as the host does with up to
 * {@code parallelSequences} requests, and records what each one gave. Used by {@link InferenceEngineContract}, and
 * by engines' own tests of the same property on other models.
 */
public final class ConcurrentGenerations {

    /** How long a set of concurrent generations on a small test model may take before the engine counts as stuck. */
    private static final long TIMEOUT_SECONDS = 120;

    /** What one generation handed its sink, and how it ended. */
    public record Generation(List<String> pieces, GenerationResult result) {
    }

    /** How the generations start. */
    public enum Start {
        /** All at the same moment. */
        TOGETHER,
        /** Each once the one before has produced two tokens (or ended): prompts join sequences mid-way. */
        STAGGERED
    }

    private ConcurrentGenerations() {
    }

    /** One generation, nothing beside it. */
    public static Generation alone(LoadedModel model, GenerationRequest request) {
        List<String> pieces = new ArrayList<>();
        GenerationResult result = model.generate(request, pieces::add);
        return new Generation(pieces, result);
    }

    /**
     * All {@code requests} at once, one thread each; the sink of request {@code i} asks to stop after
     * {@code stopAfter[i]} tokens (0 for never). Fails when they do not all end within two minutes.
     */
    public static List<Generation> together(LoadedModel model, List<GenerationRequest> requests, int[] stopAfter,
                                     Start start) throws Exception {
        int n = requests.size();
        CountDownLatch[] mayStart = new CountDownLatch[n];
        for (int i = 0; i < n; i++) {
            mayStart[i] = new CountDownLatch(1);
        }
        CountDownLatch ready = new CountDownLatch(n);
        ExecutorService threads = Executors.newFixedThreadPool(n);
        try {
            List<Future<Generation>> runs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int index = i;
                runs.add(threads.submit(() -> {
                    ready.countDown();
                    mayStart[index].await();
                    CountDownLatch next = index + 1 < n && start == Start.STAGGERED ? mayStart[index + 1] : null;
                    List<String> pieces = new ArrayList<>();
                    try {
                        GenerationResult result = model.generate(requests.get(index), piece -> {
                            pieces.add(piece);
                            if (next != null && pieces.size() == 2) {
                                next.countDown();
                            }
                            return stopAfter[index] == 0 || pieces.size() < stopAfter[index];
                        });
                        return new Generation(pieces, result);
                    } finally {
                        if (next != null) {
                            next.countDown();
                        }
                    }
                }));
            }
            ready.await();
            if (start == Start.TOGETHER) {
                for (CountDownLatch latch : mayStart) {
                    latch.countDown();
                }
            } else {
                mayStart[0].countDown();
            }
            List<Generation> results = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
            for (Future<Generation> run : runs) {
                results.add(run.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
            }
            return results;
        } finally {
            threads.shutdownNow();
        }
    }
}
