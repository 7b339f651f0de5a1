package dev.llmlb.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmlb.testkit.hub.FakeHub;
import dev.llmlb.testkit.hub.Fault;
import dev.llmlb.testkit.http.TestClient;
import dev.llmlb.testkit.models.GgufWriter;
import dev.llmlb.testkit.models.TinyLlamaConfig;
import dev.llmlb.testkit.models.TinyLlamaWeights;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Several nodes behind nginx, configured with the file shipped in deploy/nginx, sharing one models folder: one
 * download for all of them, no errors for clients when a node dies, and a node started later finds the model on
 * disk. Skipped where nginx is not installed ({@code .ci/run} installs it).
 */
class ScaleOutTest {

    private static final String REPO = "bartowski/Llama-3.2-1B-Instruct-GGUF";
    private static final String FILE = "Llama-3.2-1B-Instruct-Q4_K_M.gguf";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path work;
    private final List<DistNode> nodes = new ArrayList<>();
    private FakeHub hub;
    private Process nginx;

    @AfterEach
    void stop() {
        if (nginx != null) {
            nginx.destroy();
        }
        nodes.forEach(DistNode::close);
        if (hub != null) {
            hub.close();
        }
    }

    private static Optional<Path> nginxBinary() {
        return Stream.concat(Stream.of(System.getenv().getOrDefault("PATH", "").split(":")), Stream.of("/usr/sbin"))
                .map(dir -> Path.of(dir, "nginx")).filter(Files::isExecutable).findFirst();
    }

    private DistNode startNode(String name, Path models, long size) throws IOException {
        Path home = work.resolve(name);
        QuickstartFixture.writeCatalog(home, size);
        DistNode node = DistNode.start(DistNode.dist(), home, Map.of("HF_ENDPOINT", hub.endpoint().toString(),
                "LLMLB_MODELS_DIR", models.toString(), "LLMLB_THREADS", "1", "LLMLB_QUEUE_SIZE", "32",
                "LLMLB_NODE_NAME", name));
        nodes.add(node);
        return node;
    }

    private int startNginx(List<DistNode> upstream) throws Exception {
        Path prefix = Files.createDirectories(work.resolve("nginx"));
        Path conf = Files.createDirectories(prefix.resolve("conf/llmlb"));
        Files.createDirectories(prefix.resolve("logs"));
        Files.createDirectories(prefix.resolve("tmp"));
        Files.copy(Path.of("..", "deploy", "nginx", "llmlb.conf"), prefix.resolve("conf/llmlb.conf"));
        StringBuilder servers = new StringBuilder();
        for (DistNode node : upstream) {
            servers.append("server 127.0.0.1:").append(node.port()).append(" max_fails=1 fail_timeout=10s;\n");
        }
        Files.writeString(conf.resolve("nodes.conf"), servers.toString());
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Files.writeString(conf.resolve("listen.conf"), "listen 127.0.0.1:" + port + ";\n");
        String user = System.getProperty("user.name").equals("root") ? "user root;\n" : "";
        String t = prefix.resolve("tmp").toString();
        Files.writeString(prefix.resolve("conf/nginx.conf"), user + "daemon off;\nworker_processes 1;\n"
                + "pid " + prefix.resolve("nginx.pid") + ";\nerror_log " + prefix.resolve("logs/error.log") + " warn;\n"
                + "events { worker_connections 1024; }\nhttp {\n  access_log " + prefix.resolve("logs/access.log")
                + ";\n  client_body_temp_path " + t + "/body;\n  proxy_temp_path " + t + "/proxy;\n"
                + "  fastcgi_temp_path " + t + "/fastcgi;\n  uwsgi_temp_path " + t + "/uwsgi;\n"
                + "  scgi_temp_path " + t + "/scgi;\n  include llmlb.conf;\n}\n");
        nginx = new ProcessBuilder(nginxBinary().orElseThrow().toString(), "-p", prefix.toString(), "-c",
                "conf/nginx.conf").redirectErrorStream(true).redirectOutput(prefix.resolve("logs/stdout.log").toFile())
                .start();
        TestClient probe = new TestClient(port, "sk_debug");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try {
                if (probe.get("/health").status() == 200) {
                    return port;
                }
            } catch (UncheckedIOException e) {
                if (System.nanoTime() > deadline || !nginx.isAlive()) {
                    throw new IllegalStateException("nginx did not start: "
                            + Files.readString(prefix.resolve("logs/stdout.log")), e);
                }
            }
            Thread.sleep(100);
        }
    }

    private static String chat(int maxTokens, boolean stream) {
        return "{\"model\":\"llama-3.2-1b\",\"max_tokens\":" + maxTokens + ",\"stream\":" + stream
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"Hello!\"}]}";
    }

    @Test
    void nodesBehindNginxShareOneDownloadAndSurviveALostNode() throws Exception {
        Assumptions.assumeTrue(nginxBinary().isPresent(), "nginx is not installed");
        // A long context and 16 MB of weights, so that a stream lasts seconds (not the half second of the tiny model,
        // which could end before its node is killed) and its node can be lost in the middle of it.
        TinyLlamaConfig config = new TinyLlamaConfig(256, 4, 4, 2, 1024, 4096, 10000f, 1e-5f, false, 42);
        Path gguf = new GgufWriter(TinyLlamaWeights.generate(config).withoutEndOfSequence())
                .write(work.resolve(FILE));
        long size = Files.size(gguf);
        hub = FakeHub.start();
        hub.repo(REPO).lfsFile(FILE, gguf);
        hub.fault(REPO, FILE, Fault.throttle(size / 2));
        Path models = Files.createDirectories(work.resolve("shared-models"));
        List<DistNode> first = List.of(startNode("node-a", models, size), startNode("node-b", models, size),
                startNode("node-c", models, size));
        int port = startNginx(first);
        TestClient client = new TestClient(port, "sk_debug");

        ExecutorService clients = Executors.newFixedThreadPool(30);
        List<Future<TestClient.Response>> answers = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            answers.add(clients.submit(() -> client.post("/v1/chat/completions", chat(8, false))));
        }
        Set<String> servedBy = new HashSet<>();
        for (Future<TestClient.Response> answer : answers) {
            TestClient.Response response = answer.get(5, TimeUnit.MINUTES);
            assertEquals(200, response.status(), response.body());
            servedBy.add(response.header("X-Llmlb-Node").orElseThrow().replaceFirst(":\\d+$", ""));
        }
        clients.shutdown();
        assertEquals(1, hub.cdnRequests(REPO, FILE), () -> "exactly one node downloaded the model; their logs:\n"
                + nodes.stream().map(n -> n.log().lines().filter(l -> l.contains("ownload") || l.contains("lock")
                        || l.contains("WARN")).collect(java.util.stream.Collectors.joining("\n"))).toList());
        assertTrue(servedBy.size() >= 2, "the balancer spread the requests: " + servedBy);

        String killed;
        // Greedy: a sampled stream of random weights may pick the end of sequence early (its logit is only zeroed),
        // and a stream that ends before its node is killed proves nothing. The greedy one runs all 3000 tokens.
        String longStream = chat(3000, true).replaceFirst("^\\{", "{\"temperature\":0,");
        try (TestClient.EventStream stream = client.stream("/v1/chat/completions", longStream, null)) {
            assertEquals(200, stream.status());
            killed = stream.header("X-Llmlb-Node").orElseThrow();
            assertTrue(stream.next().isPresent());
            DistNode victim = nodes.stream().filter(n -> killed.endsWith(":" + n.port())).findFirst().orElseThrow();
            victim.process().destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            List<String> rest = new ArrayList<>();
            try {
                rest.addAll(stream.rest());
            } catch (UncheckedIOException e) {
                // the interrupted stream: the one failure clients may see
            }
            assertFalse(rest.contains("[DONE]"), "the stream of the killed node cannot complete");
        }
        for (int i = 0; i < 12; i++) {
            TestClient.Response response = client.post("/v1/chat/completions", chat(4, false));
            assertEquals(200, response.status(), "request " + i + " after the loss: " + response.body());
            assertFalse(response.header("X-Llmlb-Node").orElseThrow().equals(killed));
        }

        DistNode later = startNode("node-d", models, size);
        TestClient direct = new TestClient(later.port(), "sk_debug");
        JsonNode status = JSON.readTree(direct.get("/v0/models/llama-3.2-1b/status").body());
        assertEquals("local", status.get("status").asText(), "the shared folder already holds the model");
        assertEquals(200, direct.post("/v1/chat/completions", chat(4, false)).status());
        assertEquals(1, hub.cdnRequests(REPO, FILE), "the later node downloaded nothing");
        assertFalse(later.log().contains("downloading from HuggingFace"), later.log());
    }
}
