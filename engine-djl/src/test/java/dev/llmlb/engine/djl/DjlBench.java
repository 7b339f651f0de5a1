package dev.llmlb.engine.djl;

import dev.llmlb.api.PluginContext;
import dev.llmlb.api.engine.GenerationRequest;
import dev.llmlb.api.engine.GenerationResult;
import dev.llmlb.api.engine.InferenceEngine;
import dev.llmlb.api.engine.InferenceEngineFactory;
import dev.llmlb.api.engine.LoadOptions;
import dev.llmlb.api.engine.LoadedModel;
import dev.llmlb.api.engine.LocalModel;
import dev.llmlb.api.engine.Prompt;
import dev.llmlb.api.engine.SamplingParams;
import dev.llmlb.testkit.models.GgufWriter;
import dev.llmlb.testkit.models.SafetensorsWriter;
import dev.llmlb.testkit.models.TinyLlamaConfig;
import dev.llmlb.testkit.models.TinyLlamaWeights;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.stream.Stream;

/**
 * Single-stream greedy generation speed of engine-djl against engine-llamacpp on the same generated ~100M-parameter
 * F32 model (GGUF for llama.cpp, safetensors for DJL), same prompt, same token count, same threads, in one JVM, runs
 * alternated between the engines.
 * Both engines are found through {@link ServiceLoader} on the class path, so neither plugin depends on the other;
 * {@code bench/djl-vs-llamacpp.sh} builds that class path.
 *
 * <p>Arguments: {@code [workdir] [threads] [tokens]}, defaults {@code target/bench}, all processors, 128.
 */
public final class DjlBench {

    private static final String PROMPT = "The quick brown fox jumps over the lazy dog. Once upon a time";

    private DjlBench() {
    }

    /** One timed generation. */
    private record Run(String engine, int tokens, double decodeSeconds, double totalSeconds, String text) {
        double tokensPerSecond() {
            return (tokens - 1) / decodeSeconds;
        }
    }

    /** Timed generations of one engine: on a shared machine the best shows the engine, the median the weather. */
    private record Runs(List<Run> runs) {
        Run best() {
            return runs.stream().max(java.util.Comparator.comparingDouble(Run::tokensPerSecond)).orElseThrow();
        }

        double median() {
            double[] rates = runs.stream().mapToDouble(Run::tokensPerSecond).sorted().toArray();
            return rates[rates.length / 2];
        }
    }

    private static final int REPEATS = 5;

    public static void main(String[] args) throws Exception {
        Path work = Path.of(args.length > 0 ? args[0] : "target/bench").toAbsolutePath();
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : Runtime.getRuntime().availableProcessors();
        int tokens = args.length > 2 ? Integer.parseInt(args[2]) : 128;
        TinyLlamaConfig config = TinyLlamaConfig.benchmark();
        Path gguf = work.resolve("gguf").resolve("bench.gguf");
        Path repo = work.resolve("safetensors");
        if (!Files.exists(gguf) || !Files.exists(repo.resolve("model.safetensors"))) {
            long start = System.nanoTime();
            TinyLlamaWeights weights = TinyLlamaWeights.generate(config);
            Files.createDirectories(gguf.getParent());
            new GgufWriter(weights).write(gguf);
            new SafetensorsWriter(weights).writeRepo(repo);
            System.out.printf(Locale.ROOT, "wrote %,d parameters as GGUF and safetensors (F32) in %.1f s%n",
                    weights.parameterCount(), (System.nanoTime() - start) / 1e9);
        }
        // Both loaded, runs alternated (llama.cpp, DJL, llama.cpp, ...): on a shared machine both see the same
        // weather, and the best of each shows the engine.
        List<Loaded> engines = List.of(
                load("llamacpp", local(gguf.getParent(), "gguf", Map.of("entry_file", "bench.gguf")), work, threads),
                load("djl", local(repo, "safetensors", Map.of("architecture", "LlamaForCausalLM")), work, threads));
        List<List<Run>> timed = List.of(new ArrayList<>(), new ArrayList<>());
        for (Loaded engine : engines) {
            generate(engine.model(), 16);
        }
        for (int i = 0; i < REPEATS; i++) {
            for (int e = 0; e < engines.size(); e++) {
                timed.get(e).add(generate(engines.get(e).name(), engines.get(e).model(), tokens));
            }
        }
        Runs llama = new Runs(timed.get(0));
        Runs djl = new Runs(timed.get(1));
        System.out.println();
        System.out.printf(Locale.ROOT, "model: TinyLlamaConfig.benchmark() %s, F32, threads %d, greedy, %d tokens%n",
                config, threads, tokens);
        for (Runs runs : List.of(llama, djl)) {
            Run r = runs.best();
            System.out.printf(Locale.ROOT, "%-9s %3d tokens  decode %7.2f tokens/s best of %d (median %.2f)  "
                    + "whole request %.2f s%n", r.engine(), r.tokens(), r.tokensPerSecond(), REPEATS, runs.median(),
                    r.totalSeconds());
        }
        System.out.printf(Locale.ROOT, "ratio djl / llamacpp (best decode tokens/s): %.2f (medians: %.2f)%n",
                djl.best().tokensPerSecond() / llama.best().tokensPerSecond(), djl.median() / llama.median());
        String a = llama.best().text();
        String b = djl.best().text();
        int same = 0;
        while (same < Math.min(a.length(), b.length()) && a.charAt(same) == b.charAt(same)) {
            same++;
        }
        System.out.printf(Locale.ROOT, "greedy outputs agree for the first %d of %d characters%n", same,
                Math.max(a.length(), b.length()));
        // java-llama.cpp leaves a non-daemon native thread behind after close (see facts.md): end the JVM here.
        System.exit(0);
    }

    /** An engine with its model loaded. */
    private record Loaded(String name, LoadedModel model) {
    }

    private static Loaded load(String name, LocalModel model, Path work, int threads) {
        InferenceEngineFactory factory = ServiceLoader.load(InferenceEngineFactory.class).stream()
                .map(ServiceLoader.Provider::get).filter(f -> f.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalStateException("engine " + name + " is not on the class path"));
        InferenceEngine engine = factory.create(context(work));
        long loadStart = System.nanoTime();
        LoadedModel loaded = engine.load(model, LoadOptions.cpu(threads, 0));
        System.out.printf(Locale.ROOT, "%s: loaded in %.1f s%n", name, (System.nanoTime() - loadStart) / 1e9);
        return new Loaded(name, loaded);
    }

    private static void generate(LoadedModel model, int tokens) {
        model.generate(new GenerationRequest(new Prompt.Text(PROMPT), tokens, SamplingParams.greedy()), t -> true);
    }

    private static Run generate(String name, LoadedModel model, int tokens) {
        List<Long> times = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        long start = System.nanoTime();
        GenerationResult result = model.generate(new GenerationRequest(new Prompt.Text(PROMPT), tokens,
                SamplingParams.greedy()), piece -> {
                    times.add(System.nanoTime());
                    text.append(piece);
                    return true;
                });
        long end = System.nanoTime();
        if (result.completionTokens() < 2) {
            throw new IllegalStateException(name + " generated " + result.completionTokens() + " tokens");
        }
        double decode = (times.get(times.size() - 1) - times.get(0)) / 1e9;
        return new Run(name, result.completionTokens(), decode, (end - start) / 1e9, text.toString());
    }

    private static LocalModel local(Path folder, String format, Map<String, String> properties) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            List<Path> all = files.filter(Files::isRegularFile).sorted().toList();
            List<Long> sizes = new ArrayList<>();
            for (Path f : all) {
                sizes.add(Files.size(f));
            }
            return new LocalModel("bench", folder, format, all.stream().map(p -> p.getFileName().toString()).toList(),
                    sizes, properties);
        }
    }

    private static PluginContext context(Path work) {
        return new PluginContext() {
            @Override
            public Optional<String> setting(String key) {
                return key.equals("LLMLB_DJL_CACHE_DIR")
                        ? Optional.of(Path.of(System.getProperty("user.home"), ".djl.ai").toString())
                        : Optional.empty();
            }

            @Override
            public Path homeDirectory() {
                return work;
            }

            @Override
            public boolean gpuAvailable() {
                return false;
            }
        };
    }
}
