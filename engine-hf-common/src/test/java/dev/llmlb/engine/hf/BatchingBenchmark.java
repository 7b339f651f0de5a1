package dev.llmlb.engine.hf;

import dev.llmlb.api.engine.GenerationRequest;
import dev.llmlb.api.engine.GenerationResult;
import dev.llmlb.api.engine.InferenceEngine;
import dev.llmlb.api.engine.InferenceEngineFactory;
import dev.llmlb.api.engine.LoadOptions;
import dev.llmlb.api.engine.LoadedModel;
import dev.llmlb.api.engine.LocalModel;
import dev.llmlb.api.engine.Prompt;
import dev.llmlb.api.engine.SamplingParams;
import dev.llmlb.api.source.ModelFormats;
import dev.llmlb.testkit.models.OnnxWriter;
import dev.llmlb.testkit.models.SafetensorsWriter;
import dev.llmlb.testkit.models.TinyLlamaConfig;
import dev.llmlb.testkit.models.TinyLlamaWeights;
import dev.llmlb.testkit.tck.TestPluginContext;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

/**
 * Aggregate decode throughput of engine-djl and engine-onnx at 1, 2, 4 and 8 concurrent streams, each engine called
 * directly through the SPI as the node calls it (one thread per generation, {@code LoadedModel.generate}), on the
 * same generated F32 model ({@link TinyLlamaConfig#benchmark()}, end of sequence never chosen), distinct prompts,
 * greedy. Prints tokens/s over all streams and the ratio to the first stream count (1), and whether every stream's
 * text equals the text its prompt gives with fewer streams. Engines are found through {@link ServiceLoader}; {@code bench/hf-batching.sh} builds
 * the class path with both.
 *
 * <p>Arguments: {@code [--engines djl,onnx,onnx-gqa] [--streams 1,2,4,8] [--tokens 128] [--threads N] [--runs 2]
 * [--onnx-spin true|false] [--work dir]}. {@code onnx} runs the Optimum-style graph, {@code onnx-gqa} the graph with ONNX Runtime's
 * GroupQueryAttention.
 */
public final class BatchingBenchmark {

    private BatchingBenchmark() {
    }

    private static final String[] SUBJECTS = {"a lighthouse keeper", "the last train home", "a garden in winter",
        "two chess players", "an old map", "the river at night", "a lost letter", "the city before dawn"};

    /** Distinct prompts of similar length, so that no engine can reuse one prompt's work for another. */
    static String prompt(int i) {
        return "Story " + (i + 1) + ". Write a long story about " + SUBJECTS[i % SUBJECTS.length]
                + ", told slowly, with many details about the people and the places.";
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = options(args);
        List<String> engines = List.of(options.getOrDefault("engines", "djl,onnx").split(","));
        int[] streams = Arrays.stream(options.getOrDefault("streams", "1,2,4,8").split(","))
                .mapToInt(Integer::parseInt).toArray();
        int tokens = Integer.parseInt(options.getOrDefault("tokens", "128"));
        int threads = Integer.parseInt(options.getOrDefault("threads",
                Integer.toString(Runtime.getRuntime().availableProcessors())));
        int runs = Integer.parseInt(options.getOrDefault("runs", "2"));
        Path work = Path.of(options.getOrDefault("work", "target/bench-batching")).toAbsolutePath();
        TinyLlamaConfig config = TinyLlamaConfig.benchmark();
        System.out.printf(Locale.ROOT, "model: TinyLlamaConfig.benchmark() (F32, %d layers, hidden %d), %d threads, "
                + "%d tokens per stream, greedy, best of %d runs%n", config.layers(), config.hiddenSize(), threads,
                tokens, runs);
        int most = Arrays.stream(streams).max().orElse(1);
        Map<String, String> settings = new HashMap<>(Map.of("LLMLB_DJL_CACHE_DIR",
                Path.of(System.getProperty("user.home"), ".djl.ai").toString()));
        if (options.containsKey("onnx-spin")) {
            settings.put("LLMLB_ONNX_SPIN", options.get("onnx-spin"));
        }
        for (String engine : engines) {
            LocalModel model = write(work, engine, config);
            benchmark(engine, model, work, settings, threads, most, streams, tokens, runs);
        }
        System.exit(0);
    }

    private static void benchmark(String name, LocalModel local, Path work, Map<String, String> settings,
                                  int threads, int parallel, int[] streams, int tokens, int runs) throws Exception {
        String factoryName = name.startsWith("onnx") ? "onnx" : name;
        InferenceEngineFactory factory = ServiceLoader.load(InferenceEngineFactory.class).stream()
                .map(ServiceLoader.Provider::get).filter(f -> f.name().equals(factoryName)).findFirst()
                .orElseThrow(() -> new IllegalStateException("engine " + factoryName + " is not on the class path"));
        try (InferenceEngine engine = factory.create(new TestPluginContext(settings, work, false));
             LoadedModel model = engine.load(local, LoadOptions.cpu(threads, 0).withParallelSequences(parallel))) {
            generate(model, 0, 8);
            // Rounds go 1, 2, 4, 8 streams, then again: each stream count sees the machine as the others do, and the
            // best of the rounds shows the engine rather than what else ran on the machine.
            double[] best = new double[streams.length];
            boolean[] same = new boolean[streams.length];
            Arrays.fill(same, true);
            List<String> alone = new ArrayList<>();
            for (int r = 0; r < runs; r++) {
                for (int k = 0; k < streams.length; k++) {
                    Round round = round(model, streams[k], tokens);
                    best[k] = Math.max(best[k], round.tokensPerSecond());
                    for (int i = 0; i < streams[k]; i++) {
                        if (alone.size() <= i) {
                            alone.add(round.texts().get(i));
                        }
                        same[k] &= alone.get(i).equals(round.texts().get(i));
                    }
                }
            }
            System.out.printf(Locale.ROOT, "%n%-9s streams  tokens/s (all streams)  ratio to 1 stream  texts as alone%n",
                    name);
            for (int k = 0; k < streams.length; k++) {
                System.out.printf(Locale.ROOT, "%-9s %7d  %21.2f  %17.2f  %s%n", name, streams[k], best[k],
                        best[k] / best[0], same[k] ? "yes" : "NO");
            }
        }
    }

    /** What n concurrent streams produced. */
    private record Round(double tokensPerSecond, List<String> texts) {
    }

    /** Starts {@code n} generations at once and waits for all; tokens/s over the wall time of the whole round. */
    private static Round round(LoadedModel model, int n, int tokens) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<String>> futures = new ArrayList<>();
            int[] produced = new int[n];
            for (int i = 0; i < n; i++) {
                int index = i;
                futures.add(pool.submit(() -> {
                    start.await();
                    StringBuilder text = new StringBuilder();
                    GenerationResult result = model.generate(new GenerationRequest(new Prompt.Text(prompt(index)),
                            tokens, SamplingParams.greedy()), piece -> text.append(piece) != null);
                    produced[index] = result.completionTokens();
                    return text.toString();
                }));
            }
            long begin = System.nanoTime();
            start.countDown();
            List<String> texts = new ArrayList<>();
            for (Future<String> f : futures) {
                texts.add(f.get());
            }
            double seconds = (System.nanoTime() - begin) / 1e9;
            return new Round(Arrays.stream(produced).sum() / seconds, texts);
        } finally {
            pool.shutdownNow();
        }
    }

    private static void generate(LoadedModel model, int index, int tokens) {
        model.generate(new GenerationRequest(new Prompt.Text(prompt(index)), tokens, SamplingParams.greedy()),
                piece -> true);
    }

    /** The model in the engine's format under {@code work}, written once. */
    private static LocalModel write(Path work, String engine, TinyLlamaConfig config) throws IOException {
        Path folder = work.resolve(engine);
        if (!Files.exists(folder.resolve("done"))) {
            TinyLlamaWeights weights = TinyLlamaWeights.generate(config).withoutEndOfSequence();
            switch (engine) {
                case "djl" -> new SafetensorsWriter(weights).writeRepo(folder);
                case "onnx" -> new OnnxWriter(weights).externalData(true).writeRepo(folder);
                case "onnx-gqa" -> new OnnxWriter(weights).externalData(true)
                        .signature(OnnxWriter.Signature.onnxRuntimeGenAi()).writeRepo(folder);
                default -> throw new IllegalArgumentException("unknown engine " + engine);
            }
            Files.writeString(folder.resolve("done"), "");
        }
        List<String> names = new ArrayList<>();
        List<Long> sizes = new ArrayList<>();
        try (Stream<Path> files = Files.walk(folder)) {
            for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
                names.add(folder.relativize(file).toString());
                sizes.add(Files.size(file));
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        return engine.equals("djl")
                ? new LocalModel(engine, folder, ModelFormats.SAFETENSORS, names, sizes,
                        Map.of(ModelFormats.ARCHITECTURE, config.architecture().className()))
                : new LocalModel(engine, folder, ModelFormats.ONNX, names, sizes,
                        Map.of(ModelFormats.ENTRY_FILE, "onnx/model.onnx", ModelFormats.ARCHITECTURE,
                                config.architecture().className()));
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> out = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("expected --name value pairs: " + Arrays.toString(args));
            }
            out.put(args[i].substring(2), args[i + 1]);
        }
        return out;
    }
}
