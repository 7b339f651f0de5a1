package dev.llmlb.it.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import de.kherud.llama.InferenceParameters;
import de.kherud.llama.LlamaModel;
import de.kherud.llama.LlamaOutput;
import de.kherud.llama.ModelParameters;
import dev.llmlb.api.source.ModelFormats;
import dev.llmlb.it.DistNode;
import dev.llmlb.testkit.http.TestClient;
import dev.llmlb.testkit.hub.FakeHub;
import dev.llmlb.testkit.models.GgufWriter;
import dev.llmlb.testkit.models.OnnxWriter;
import dev.llmlb.testkit.models.SafetensorsWriter;
import dev.llmlb.testkit.models.TinyLlamaConfig;
import dev.llmlb.testkit.models.TinyLlamaWeights;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Aggregate tokens/s of 1, 2, 4 and 8 concurrent streams through the node's HTTP API (the built distribution as its
 * own process, streaming, distinct prompts) for each engine on the same generated F32 weights (GGUF for llamacpp,
 * ONNX for onnx, safetensors for djl), beside the same engine called directly ({@link DirectStreams}, a process with
 * the plugin's class path) and, for llama.cpp, java-llama.cpp itself with 4 slots and continuous batching (the
 * issue's reference). Prints each engine's ratios to one stream and of HTTP to the direct calls. Run by
 * {@code bench/concurrent-streams.sh}; see there for the arguments.
 */
public final class ConcurrentStreamsBench {

    private static final ObjectMapper JSON = new ObjectMapper();

    private record Engine(String name, String format, String source) {
    }

    private static final List<Engine> ENGINES = List.of(new Engine("llamacpp", ModelFormats.GGUF, "hf_gguf"),
            new Engine("onnx", ModelFormats.ONNX, "hf_onnx"), new Engine("djl", ModelFormats.SAFETENSORS,
                    "hf_safetensors"));

    private ConcurrentStreamsBench() {
    }

    public static void main(String[] args) {
        int status = 1;
        try {
            run(options(args));
            status = 0;
        } catch (Exception | Error e) {
            e.printStackTrace();
        }
        System.exit(status); // java-llama.cpp's native threads would keep the JVM alive
    }

    private static void run(Map<String, String> options) throws Exception {
        int hidden = Integer.parseInt(options.getOrDefault("hidden", "1024"));
        int layers = Integer.parseInt(options.getOrDefault("layers", "8"));
        int ffn = Integer.parseInt(options.getOrDefault("ffn", "2816"));
        int threads = Integer.parseInt(options.getOrDefault("threads", "2"));
        int tokens = Integer.parseInt(options.getOrDefault("tokens", "128"));
        int parallel = Integer.parseInt(options.getOrDefault("parallel", "4"));
        int context = Integer.parseInt(options.getOrDefault("context", "1024"));
        List<Integer> streams = Stream.of(options.getOrDefault("streams", "1,2,4,8").split(","))
                .map(Integer::parseInt).toList();
        List<String> engines = List.of(options.getOrDefault("engines", "llamacpp,onnx,djl").split(","));

        TinyLlamaConfig config = new TinyLlamaConfig(hidden, layers, hidden / 64, hidden / 64, ffn, 2048, 10000f,
                1e-5f, false, 11);
        Path models = Path.of(options.getOrDefault("models", "it/target/bench-models"))
                .resolve("h" + hidden + "-l" + layers + "-f" + ffn).toAbsolutePath();
        long ggufBytes = writeModels(config, models);
        System.out.printf("model: hidden %d, %d layers, FFN %d, F32: GGUF %d MB; %d tokens per stream, greedy, "
                        + "distinct prompts; %d threads, %d sequences per model, context %d per sequence%n",
                hidden, layers, ffn, ggufBytes / 1_000_000, tokens, threads, parallel, context);

        int rounds = Integer.parseInt(options.getOrDefault("rounds", "2"));
        StreamLoad.Generation raw = engines.contains("llamacpp")
                ? rawLlamaCpp(models.resolve("gguf/model.gguf"), threads, context, parallel, tokens) : null;
        FakeHub hub = FakeHub.start();
        hub.repo("bench/gguf").lfsFile("model.gguf", models.resolve("gguf/model.gguf"));
        hub.repo("bench/onnx").folder(models.resolve("onnx"));
        hub.repo("bench/safetensors").folder(models.resolve("safetensors"));
        Path home = Files.createTempDirectory("llmlb-concurrent-bench");
        StringBuilder catalog = new StringBuilder("{\"models\":[");
        for (Engine e : ENGINES) {
            catalog.append(e == ENGINES.get(0) ? "" : ",").append("{\"id\":\"bench-").append(e.name())
                    .append("\",\"source\":\"").append(e.source()).append("\",\"repo_id\":\"bench/")
                    .append(e.format()).append("\"}");
        }
        Files.writeString(home.resolve("supported_models.json"), catalog.append("]}").toString());
        Map<String, String> settings = Map.of("HF_ENDPOINT", hub.endpoint().toString(),
                "LLMLB_THREADS", Integer.toString(threads), "LLMLB_PARALLEL", Integer.toString(parallel),
                "LLMLB_CONTEXT_LENGTH", Integer.toString(context), "LLMLB_MAX_LOADED_MODELS", "1",
                "LLMLB_QUEUE_SIZE", "64", "DJL_CACHE_DIR", djlCache().toString());
        List<String> report = new ArrayList<>();
        try (DistNode node = DistNode.start(DistNode.dist(), home, settings)) {
            TestClient client = new TestClient(node.port(), "sk_debug");
            for (String name : engines) {
                Engine engine = ENGINES.stream().filter(e -> e.name().equals(name)).findFirst().orElseThrow();
                StreamLoad.Generation http = prompt -> stream(client, "bench-" + name, prompt, tokens);
                StreamLoad.run(1, 0, http); // downloads and loads the model in the node
                try (Direct direct = new Direct(engine, models, threads, context, parallel, tokens)) {
                    Map<Integer, StreamLoad.Result> directBest = new LinkedHashMap<>();
                    Map<Integer, StreamLoad.Result> httpBest = new LinkedHashMap<>();
                    Map<Integer, StreamLoad.Result> rawBest = new LinkedHashMap<>();
                    int round = 1;
                    // Alternated, best of each: on a shared machine the load comes and goes.
                    for (int n : streams) {
                        for (int r = 0; r < rounds; r++, round++) {
                            String line = String.format("%s, %d streams, round %d:", name, n, r + 1);
                            if (raw != null && name.equals("llamacpp")) {
                                line += progress("java-llama", best(rawBest, StreamLoad.run(n, round, raw)));
                            }
                            line += progress("direct", best(directBest, direct.run(n, round)));
                            line += progress("HTTP", best(httpBest, StreamLoad.run(n, round, http)));
                            System.out.println(line);
                        }
                    }
                    report.addAll(table(name, rawBest.isEmpty() ? null : rawBest, directBest, httpBest));
                }
            }
        } finally {
            hub.close();
        }
        report.forEach(System.out::println);
        System.out.println("goals: HTTP >= 0.95 x direct at every stream count; llamacpp >= 1.5x one stream at 4 "
                + "streams (~400 MB model); onnx and djl >= 1.3x at 4");
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("expected --name value, got " + args[i]);
            }
            options.put(args[i].substring(2), args[i + 1]);
        }
        return options;
    }

    private static Path djlCache() {
        return Path.of(System.getProperty("user.home"), ".djl.ai");
    }

    /** Writes the weights in the three formats once per shape (a marker file says they are complete). */
    private static long writeModels(TinyLlamaConfig config, Path folder) throws Exception {
        Path done = folder.resolve("complete");
        if (!Files.exists(done)) {
            TinyLlamaWeights weights = TinyLlamaWeights.generate(config).withoutEndOfSequence();
            Files.createDirectories(folder.resolve("gguf"));
            new GgufWriter(weights).write(folder.resolve("gguf/model.gguf"));
            new OnnxWriter(weights).externalData(true).writeRepo(folder.resolve("onnx"));
            new SafetensorsWriter(weights).writeRepo(folder.resolve("safetensors"));
            Files.writeString(done, "");
        }
        return Files.size(folder.resolve("gguf/model.gguf"));
    }

    /** Keeps the better of the results for a stream count; returns {@code result}. */
    private static StreamLoad.Result best(Map<Integer, StreamLoad.Result> best, StreamLoad.Result result) {
        best.merge(result.streams(), result, (a, b) -> a.tokensPerSecond() >= b.tokensPerSecond() ? a : b);
        return result;
    }

    private static String progress(String path, StreamLoad.Result result) {
        return String.format(" %s %.1f tokens/s", path, result.tokensPerSecond());
    }

    /** java-llama.cpp alone: {@code parallel} slots, continuous batching, llama.cpp's defaults otherwise. */
    private static StreamLoad.Generation rawLlamaCpp(Path gguf, int threads, int context, int parallel, int tokens)
            throws Exception {
        LlamaModel llama = new LlamaModel(new ModelParameters().setModel(gguf.toString())
                .setCtxSize(context * parallel).setParallel(parallel).enableContBatching().setThreads(threads)
                .setThreadsBatch(threads).disableLog());
        StreamLoad.Generation generation = prompt -> {
            int count = 0;
            for (LlamaOutput ignored : llama.generate(new InferenceParameters(prompt).setNPredict(tokens)
                    .setTemperature(0f).setCachePrompt(false))) {
                count++;
            }
            return count - 1; // the last output is a summary, not a token
        };
        StreamLoad.run(1, 0, generation);
        return generation;
    }

    /** {@link DirectStreams} in a process with the engine's class path ({@code -Dbench.cp.<engine>}). */
    private static final class Direct implements AutoCloseable {

        private final String engine;
        private final Process process;
        private final BufferedReader output;
        private final java.io.Writer input;
        private final List<String> log = new ArrayList<>();

        Direct(Engine engine, Path models, int threads, int context, int parallel, int tokens) throws Exception {
            this.engine = engine.name();
            String classPath = System.getProperty("bench.cp." + engine.name());
            if (classPath == null) {
                throw new IllegalStateException("-Dbench.cp." + engine.name() + " is not set");
            }
            ProcessBuilder builder = new ProcessBuilder(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx4g",
                    "--enable-native-access=ALL-UNNAMED",
                    "-Djava.util.logging.config.file=" + Path.of("conf/logging-test.properties").toAbsolutePath(),
                    DirectStreams.class.getName(), engine.name(), engine.format(),
                    models.resolve(engine.format()).toString(), Integer.toString(threads), Integer.toString(context),
                    Integer.toString(parallel), Integer.toString(tokens));
            // ONNX Runtime crashes when the command line is longer than about 4 KB: the class path goes by
            // environment.
            builder.environment().put("CLASSPATH", classPath);
            builder.environment().put("LLMLB_DJL_CACHE_DIR", djlCache().toString());
            builder.redirectErrorStream(true);
            process = builder.start();
            output = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            input = new java.io.OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
            expect("ready");
        }

        StreamLoad.Result run(int streams, int round) throws Exception {
            input.write(streams + " " + round + "\n");
            input.flush();
            String[] f = expect("direct ").split(" ");
            return new StreamLoad.Result(Integer.parseInt(f[1]), Integer.parseInt(f[2]), Double.parseDouble(f[3]));
        }

        private String expect(String prefix) throws Exception {
            for (String line = output.readLine(); line != null; line = output.readLine()) {
                log.add(line);
                if (line.startsWith(prefix)) {
                    return line;
                }
            }
            throw new IllegalStateException(engine + " direct run failed:\n" + String.join("\n", log));
        }

        @Override
        public void close() throws Exception {
            input.write("\n");
            input.flush();
            process.waitFor();
        }
    }

    private static int stream(TestClient client, String model, String prompt, int tokens) throws Exception {
        String body = "{\"model\":\"" + model + "\",\"prompt\":" + JSON.writeValueAsString(prompt)
                + ",\"max_tokens\":" + tokens + ",\"temperature\":0,\"stream\":true,"
                + "\"stream_options\":{\"include_usage\":true}}";
        int completion = -1;
        try (TestClient.EventStream events = client.stream("/v1/completions", body, null)) {
            if (events.status() != 200) {
                throw new IllegalStateException(model + ": HTTP " + events.status() + " " + events.rest());
            }
            for (Optional<String> e = events.next(); e.isPresent() && !e.get().equals("[DONE]"); e = events.next()) {
                JsonNode chunk = JSON.readTree(e.get());
                if (chunk.hasNonNull("usage")) {
                    completion = chunk.get("usage").get("completion_tokens").asInt();
                }
            }
        }
        if (completion < 0) {
            throw new IllegalStateException(model + ": the stream ended without usage");
        }
        return completion;
    }

    private static List<String> table(String engine, Map<Integer, StreamLoad.Result> raw,
                                      Map<Integer, StreamLoad.Result> direct, Map<Integer, StreamLoad.Result> http) {
        List<String> rows = new ArrayList<>();
        rows.add("");
        rows.add(engine + " (tokens/s, all streams together)");
        rows.add(String.format("%8s %12s %12s %10s %12s %12s%s", "streams", "direct", "HTTP", "HTTP/1st",
                "direct/1st", "HTTP/direct", raw == null ? "" : String.format(" %12s %17s", "java-llama",
                        "HTTP/java-llama")));
        double httpOne = http.values().iterator().next().tokensPerSecond();
        double directOne = direct.values().iterator().next().tokensPerSecond();
        for (int n : http.keySet()) {
            double h = http.get(n).tokensPerSecond();
            double d = direct.get(n).tokensPerSecond();
            String rawColumns = raw == null ? "" : String.format(" %12.1f %17.3f", raw.get(n).tokensPerSecond(),
                    h / raw.get(n).tokensPerSecond());
            rows.add(String.format("%8d %12.1f %12.1f %10.2f %12.2f %12.3f%s", n, d, h, h / httpOne, d / directOne,
                    h / d, rawColumns));
        }
        return rows;
    }
}
