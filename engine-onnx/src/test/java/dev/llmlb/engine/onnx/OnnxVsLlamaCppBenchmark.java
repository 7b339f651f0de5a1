package dev.llmlb.engine.onnx;

import dev.llmlb.api.engine.GenerationRequest;
import dev.llmlb.api.engine.GenerationResult;
import dev.llmlb.api.engine.InferenceEngine;
import dev.llmlb.api.engine.LoadOptions;
import dev.llmlb.api.engine.LoadedModel;
import dev.llmlb.api.engine.LocalModel;
import dev.llmlb.api.engine.Prompt;
import dev.llmlb.api.engine.SamplingParams;
import dev.llmlb.api.source.ModelFormats;
import dev.llmlb.engine.llamacpp.LlamaCppEngineFactory;
import dev.llmlb.testkit.models.GgufWriter;
import dev.llmlb.testkit.models.OnnxWriter;
import dev.llmlb.testkit.models.TinyLlamaConfig;
import dev.llmlb.testkit.models.TinyLlamaWeights;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Greedy generation speed of engine-onnx against engine-llamacpp, both through the plugin SPI as the node runs them
 * (tokenizer, chat template, sampler, detokenizer included), on the same generated model: F32 weights, the same
 * prompt, the same threads, runs alternated so both see the same machine state. Prints time to first token (prompt processing plus one token)
 * and decode tokens per second, each the median of the runs, and the ratio ONNX/llama.cpp.
 *
 * <p>Usage: {@code OnnxVsLlamaCppBenchmark [--model benchmark|tiny] [--tokens N] [--runs R] [--threads T] [--spin true|false]}; run it
 * with {@code bench/onnx-vs-llamacpp.sh}.
 */
public final class OnnxVsLlamaCppBenchmark {

    private static final String PROMPT = "The history of the world is the history of those who wrote it down, "
            + "and the stories they told one another at the end of the day, when the light was going";

    /** One timed generation. */
    record Run(double firstTokenSeconds, double decodeTokensPerSecond, int generated, String text) {
    }

    /** Generates greedily and times it. */
    interface Engine extends AutoCloseable {
        Run generate(int maxTokens);

        @Override
        void close();
    }

    public static void main(String[] args) {
        int status = 0;
        try {
            run(options(args));
        } catch (Exception | Error e) {
            e.printStackTrace();
            status = 1;
        }
        // java-llama.cpp keeps a native thread alive after close, and after a failure too.
        System.exit(status);
    }

    private static void run(Map<String, String> options) throws Exception {
        TinyLlamaConfig config = options.getOrDefault("model", "benchmark").equals("tiny")
                ? TinyLlamaConfig.tiny() : TinyLlamaConfig.benchmark();
        int tokens = Integer.parseInt(options.getOrDefault("tokens", "128"));
        int runs = Integer.parseInt(options.getOrDefault("runs", "3"));
        int threads = Integer.parseInt(options.getOrDefault("threads",
                Integer.toString(Runtime.getRuntime().availableProcessors())));
        boolean spin = Boolean.parseBoolean(options.getOrDefault("spin", "true"));

        Path dir = Files.createTempDirectory("llmlb-onnx-bench");
        try {
            TinyLlamaWeights weights = TinyLlamaWeights.generate(config).withoutEndOfSequence();
            System.out.printf(Locale.ROOT, "model: %,d parameters (F32, %d layers, hidden %d, %d heads / %d kv heads),"
                            + " %d threads, %d tokens per run, %d runs, onnx spinning %s%n", weights.parameterCount(),
                    config.layers(), config.hiddenSize(), config.heads(), config.kvHeads(), threads, tokens, runs,
                    spin);
            Path gguf = new GgufWriter(weights).write(dir.resolve("model.gguf"));
            Path onnxRepo = dir.resolve("onnx-repo");
            new OnnxWriter(weights).externalData(true).writeRepo(onnxRepo);
            weights = null;
            System.gc();

            try (Engine llama = llamaCpp(gguf, threads, dir); Engine ort = onnx(onnxRepo, threads, spin, dir)) {
                llama.generate(4);
                ort.generate(4);
                List<Run> llamaRuns = new ArrayList<>();
                List<Run> onnxRuns = new ArrayList<>();
                for (int i = 0; i < runs; i++) {
                    llamaRuns.add(llama.generate(tokens));
                    onnxRuns.add(ort.generate(tokens));
                }
                report("llama.cpp", llamaRuns);
                report("onnx", onnxRuns);
                double ratio = median(onnxRuns, Run::decodeTokensPerSecond)
                        / median(llamaRuns, Run::decodeTokensPerSecond);
                System.out.printf(Locale.ROOT, "decode ratio onnx/llama.cpp: %.2f%n", ratio);
                String a = llamaRuns.get(0).text();
                String b = onnxRuns.get(0).text();
                int same = 0;
                while (same < Math.min(a.length(), b.length()) && a.charAt(same) == b.charAt(same)) {
                    same++;
                }
                System.out.printf(Locale.ROOT, "greedy texts agree on their first %d of %d characters%n", same,
                        Math.max(a.length(), b.length()));
            }
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(OnnxVsLlamaCppBenchmark::delete);
            }
        }
    }

    private static void report(String engine, List<Run> runs) {
        System.out.printf(Locale.ROOT, "%-10s first token %6.3f s   decode %7.2f tokens/s   (runs: %s)%n", engine,
                median(runs, Run::firstTokenSeconds), median(runs, Run::decodeTokensPerSecond),
                runs.stream().map(r -> String.format(Locale.ROOT, "%.2f", r.decodeTokensPerSecond())).toList());
    }

    private static double median(List<Run> runs, java.util.function.ToDoubleFunction<Run> value) {
        double[] values = runs.stream().mapToDouble(value).sorted().toArray();
        return values[values.length / 2];
    }

    private static Engine llamaCpp(Path gguf, int threads, Path home) throws IOException {
        LocalModel local = new LocalModel("bench-gguf", gguf.getParent(), ModelFormats.GGUF,
                List.of(gguf.getFileName().toString()), List.of(Files.size(gguf)),
                Map.of(ModelFormats.ENTRY_FILE, gguf.getFileName().toString()));
        return spi(new LlamaCppEngineFactory().create(TestRepos.context(home, Map.of())), local, threads);
    }

    private static Engine onnx(Path repo, int threads, boolean spin, Path home) {
        InferenceEngine engine = new OnnxEngineFactory().create(TestRepos.context(home,
                Map.of(OnnxOptions.SPIN, Boolean.toString(spin))));
        return spi(engine, TestRepos.local(repo), threads);
    }

    /** Greedy generation through the SPI, as the node runs it: tokenizer, template, sampler, detokenizer. */
    private static Engine spi(InferenceEngine engine, LocalModel local, int threads) {
        LoadedModel model = engine.load(local, LoadOptions.cpu(threads, 0));
        return new Engine() {
            @Override
            public Run generate(int maxTokens) {
                StringBuilder text = new StringBuilder();
                long[] first = {0};
                long start = System.nanoTime();
                GenerationResult result = model.generate(new GenerationRequest(new Prompt.Text(PROMPT), maxTokens,
                        SamplingParams.greedy()), piece -> {
                            if (first[0] == 0) {
                                first[0] = System.nanoTime();
                            }
                            text.append(piece);
                            return true;
                        });
                long end = System.nanoTime();
                return run(start, first[0], end, result.completionTokens(), text.toString());
            }

            @Override
            public void close() {
                model.close();
                engine.close();
            }
        };
    }

    private static Run run(long start, long first, long end, int generated, String text) {
        double decodeSeconds = (end - first) / 1e9;
        double rate = generated > 1 ? (generated - 1) / decodeSeconds : 0;
        return new Run((first - start) / 1e9, rate, generated, text);
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> out = new java.util.HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("expected --name value pairs: " + Arrays.toString(args));
            }
            out.put(args[i].substring(2), args[i + 1]);
        }
        return out;
    }

    private static void delete(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            System.err.println("could not delete " + path + ": " + e.getMessage());
        }
    }
}
