package dev.llmlb.it.bench;

import dev.llmlb.testkit.tck.TestPluginContext;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmlb.api.PluginContext;
import dev.llmlb.api.engine.GenerationRequest;
import dev.llmlb.api.engine.InferenceEngine;
import dev.llmlb.api.engine.LoadOptions;
import dev.llmlb.api.engine.LoadedModel;
import dev.llmlb.api.engine.LocalModel;
import dev.llmlb.api.engine.Prompt;
import dev.llmlb.api.engine.SamplingParams;
import dev.llmlb.engine.llamacpp.LlamaCppEngineFactory;
import dev.llmlb.it.DistNode;
import dev.llmlb.testkit.hub.FakeHub;
import dev.llmlb.testkit.models.GgufWriter;
import dev.llmlb.testkit.models.TinyLlamaConfig;
import dev.llmlb.testkit.models.TinyLlamaWeights;
import dev.llmlb.testkit.http.TestClient;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Tokens per second and time to first token of the same engine on the same generated ~100M-parameter model,
 * called directly in this JVM and through the node's HTTP API (streaming and not), single stream and 4 concurrent
 * streams. Prints the ratios HTTP/direct. Run by {@code bench/llm-http-vs-direct.sh}.
 */
public final class InferenceBench {

    private static final String PROMPT = "The history of the city begins with";
    private static final ObjectMapper JSON = new ObjectMapper();

    private record Run(double tokensPerSecond, double ttftMillis, int tokens) {
    }

    public static void main(String[] args) throws Exception {
        int tokens = args.length > 0 ? Integer.parseInt(args[0]) : 64;
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : Runtime.getRuntime().availableProcessors();
        Path work = Files.createTempDirectory("llmlb-inference-bench");
        TinyLlamaWeights weights = TinyLlamaWeights.generate(TinyLlamaConfig.benchmark()).withoutEndOfSequence();
        Path gguf = new GgufWriter(weights).write(work.resolve("bench.gguf"));
        System.out.printf("model: %.0fM parameters, %d MB GGUF F32; %d tokens per request, %d threads%n",
                weights.parameterCount() / 1e6, Files.size(gguf) / 1_000_000, tokens, threads);

        InferenceEngine engine = new LlamaCppEngineFactory().create(context(work));
        LocalModel local = new LocalModel("bench", work, "gguf", List.of("bench.gguf"), List.of(Files.size(gguf)),
                Map.of("entry_file", "bench.gguf"));
        LoadedModel model = engine.load(local, LoadOptions.cpu(threads, 2048));
        direct(model, tokens);
        Run directBefore = direct(model, tokens);
        Run concurrentBefore = concurrently(() -> direct(model, tokens));

        FakeHub hub = FakeHub.start();
        hub.repo("bench/model").lfsFile("bench.gguf", gguf);
        Path home = work.resolve("home");
        Files.createDirectories(home);
        Files.writeString(home.resolve("supported_models.json"), "{\"models\":[{\"id\":\"bench\",\"source\":\"hf_gguf\","
                + "\"repo_id\":\"bench/model\",\"artifacts\":[{\"filename\":\"bench.gguf\",\"size_bytes\":"
                + Files.size(gguf) + "}]}]}");
        Run stream;
        Run plain;
        Run streamConcurrent;
        try (DistNode node = DistNode.start(DistNode.dist(), home, Map.of("HF_ENDPOINT", hub.endpoint().toString(),
                "LLMLB_THREADS", Integer.toString(threads), "LLMLB_CONTEXT_LENGTH", "2048",
                "LLMLB_QUEUE_SIZE", "8"))) {
            TestClient client = new TestClient(node.port(), "sk_debug");
            http(client, tokens, true);
            stream = http(client, tokens, true);
            plain = http(client, tokens, false);
            streamConcurrent = concurrently(() -> http(client, tokens, true));
        }
        hub.close();
        // The direct path again after the HTTP runs: on a shared machine, the better of the two is the baseline,
        // which can only make the HTTP path look worse.
        Run directAfter = direct(model, tokens);
        Run concurrentAfter = concurrently(() -> direct(model, tokens));
        model.close();
        Run direct = better(directBefore, directAfter);
        Run directConcurrent = better(concurrentBefore, concurrentAfter);
        System.out.printf("direct runs: %.1f and %.1f tokens/s single, %.1f and %.1f with 4 streams%n",
                directBefore.tokensPerSecond(), directAfter.tokensPerSecond(), concurrentBefore.tokensPerSecond(),
                concurrentAfter.tokensPerSecond());

        System.out.printf("%-28s %10s %10s %12s%n", "path", "tokens/s", "TTFT ms", "HTTP/direct");
        row("direct, 1 stream", direct, direct);
        row("HTTP streaming, 1 stream", stream, direct);
        row("HTTP non-streaming", plain, direct);
        row("direct, 4 concurrent", directConcurrent, directConcurrent);
        row("HTTP streaming, 4 conc.", streamConcurrent, directConcurrent);
        // llama.cpp leaves a native thread that would keep this JVM alive.
        System.exit(0);
    }

    private static Run better(Run a, Run b) {
        return a.tokensPerSecond() >= b.tokensPerSecond() ? a : b;
    }

    private static void row(String name, Run run, Run baseline) {
        System.out.printf("%-28s %10.1f %10.0f %12.3f%n", name, run.tokensPerSecond(), run.ttftMillis(),
                run.tokensPerSecond() / baseline.tokensPerSecond());
    }

    private interface Task {
        Run run() throws Exception;
    }

    /** Four at once: aggregate tokens per second, mean time to first token. */
    private static Run concurrently(Task task) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        long started = System.nanoTime();
        List<Future<Run>> runs = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            runs.add(pool.submit(task::run));
        }
        int tokens = 0;
        double ttft = 0;
        for (Future<Run> run : runs) {
            tokens += run.get().tokens();
            ttft += run.get().ttftMillis() / 4;
        }
        pool.shutdown();
        double seconds = (System.nanoTime() - started) / 1e9;
        return new Run(tokens / seconds, ttft, tokens);
    }

    /** The engine directly; one generation at a time per model, as the node leases it. */
    private static Run direct(LoadedModel model, int tokens) {
        synchronized (model) {
            long started = System.nanoTime();
            long[] first = {0};
            var result = model.generate(new GenerationRequest(new Prompt.Text(PROMPT), tokens,
                    new SamplingParams(0.8, 1.0, OptionalLong.of(1), 0, 0)), piece -> {
                if (first[0] == 0) {
                    first[0] = System.nanoTime();
                }
                return true;
            });
            long ended = System.nanoTime();
            return new Run(result.completionTokens() / ((ended - started) / 1e9), (first[0] - started) / 1e6,
                    result.completionTokens());
        }
    }

    private static Run http(TestClient client, int tokens, boolean stream) throws Exception {
        String body = "{\"model\":\"bench\",\"prompt\":\"" + PROMPT + "\",\"max_tokens\":" + tokens
                + ",\"temperature\":0.8,\"seed\":1,\"stream\":" + stream
                + (stream ? ",\"stream_options\":{\"include_usage\":true}" : "") + "}";
        long started = System.nanoTime();
        if (!stream) {
            JsonNode answer = JSON.readTree(client.post("/v1/completions", body).body());
            long ended = System.nanoTime();
            int completion = answer.get("usage").get("completion_tokens").asInt();
            return new Run(completion / ((ended - started) / 1e9), (ended - started) / 1e6, completion);
        }
        long first = 0;
        int completion = 0;
        try (TestClient.EventStream events = client.stream("/v1/completions", body, null)) {
            for (Optional<String> e = events.next(); e.isPresent() && !e.get().equals("[DONE]"); e = events.next()) {
                JsonNode chunk = JSON.readTree(e.get());
                if (first == 0 && chunk.get("choices").size() > 0 && !chunk.get("choices").get(0).get("text")
                        .asText().isEmpty()) {
                    first = System.nanoTime();
                }
                if (chunk.hasNonNull("usage")) {
                    completion = chunk.get("usage").get("completion_tokens").asInt();
                }
            }
        }
        long ended = System.nanoTime();
        return new Run(completion / ((ended - started) / 1e9), (first - started) / 1e6, completion);
    }

    private static PluginContext context(Path home) {
        return TestPluginContext.in(home);
    }
}
