package dev.llmlb.it.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Concurrent streams for the throughput benchmarks: distinct prompts, and aggregate tokens per second over the
 * wall time from the first start to the last end.
 */
final class StreamLoad {

    private static final List<String> FIRST_WORDS = List.of("Yesterday", "Rivers", "Seven", "Under", "Bright",
            "Quietly", "Maps", "Winter", "Copper", "Nobody", "Across", "Lanterns", "Beneath", "Orchards", "Eleven",
            "Harbors");

    private StreamLoad() {
    }

    /** What {@code streams} concurrent generations gave together. */
    record Result(int streams, int tokens, double seconds) {
        double tokensPerSecond() {
            return tokens / seconds;
        }
    }

    /** One generation of stream {@code stream}: returns the tokens it generated. */
    interface Generation {
        int run(String prompt) throws Exception;
    }

    /**
     * A prompt no other stream of the benchmark shares beyond its first token or two, so no request reuses another's
     * cached prefix (llama.cpp runs a cached prompt about 3x faster).
     */
    static String prompt(int round, int stream) {
        return FIRST_WORDS.get(stream % FIRST_WORDS.size()) + " " + (round * 100 + stream)
                + ": the history of the city begins with";
    }

    /** Runs {@code streams} generations at once, each on a thread of its own, with prompts of {@code round}. */
    static Result run(int streams, int round, Generation generation) throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(streams);
        try {
            long started = System.nanoTime();
            List<Future<Integer>> runs = new ArrayList<>();
            for (int i = 0; i < streams; i++) {
                String prompt = prompt(round, i);
                runs.add(threads.submit(() -> generation.run(prompt)));
            }
            int tokens = 0;
            for (Future<Integer> run : runs) {
                tokens += run.get();
            }
            return new Result(streams, tokens, (System.nanoTime() - started) / 1e9);
        } finally {
            threads.shutdownNow();
        }
    }
}
