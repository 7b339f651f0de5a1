package dev.llmlb.host.http;

import dev.llmlb.host.support.Catalogs;
import dev.llmlb.host.support.TestNode;
import dev.llmlb.testkit.hub.FakeHub;
import dev.llmlb.testkit.hub.Fault;
import dev.llmlb.testkit.http.TestClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code GET /metrics} is valid Prometheus text exposition and its counters follow what the node does. */
class MetricsTest {

    private static final Pattern HELP = Pattern.compile("# HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*");
    private static final Pattern TYPE = Pattern.compile("# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) "
            + "(counter|gauge|histogram|summary|untyped|unknown)");
    private static final Pattern SAMPLE = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(?:[a-zA-Z_][a-zA-Z0-9_]*="
            + "\"(?:[^\"\\\\\\n]|\\\\.)*\",?)*})? (-?[0-9.eE+-]+|NaN|[+-]Inf)( -?[0-9]+)?");
    private static final String SCRIPT = "Metrics are counted.";

    private final FakeHub hub = FakeHub.start();
    private TestNode node;
    @TempDir
    Path home;

    @AfterEach
    void stop() {
        node.close();
        hub.close();
    }

    /** Parses the exposition; fails on any line that is not HELP, TYPE, a sample or empty. */
    private static Map<String, Double> scrape(TestClient client) {
        TestClient.Response response = client.get("/metrics");
        assertEquals(200, response.status());
        assertTrue(response.header("Content-Type").orElseThrow().startsWith("text/plain; version=0.0.4"));
        Map<String, Double> samples = new HashMap<>();
        for (String line : response.body().split("\n")) {
            if (line.isEmpty() || HELP.matcher(line).matches() || TYPE.matcher(line).matches()) {
                continue;
            }
            Matcher m = SAMPLE.matcher(line);
            assertTrue(m.matches(), "not Prometheus text format: " + line);
            samples.put(m.group(1) + (m.group(2) == null ? "" : m.group(2)), Double.parseDouble(m.group(3)));
        }
        return samples;
    }

    @Test
    void countersFollowRequestsDownloadsAndTokens() {
        hub.repo("org/echo").lfsFile("script.txt", SCRIPT.getBytes());
        hub.repo("org/bad").lfsFile("script.txt", SCRIPT.getBytes());
        hub.fault("org/bad", "script.txt", Fault.wrongBytes());
        node = TestNode.start(home, Catalogs.of(Catalogs.scripted("echo", "org/echo", "script.txt", SCRIPT),
                Catalogs.scripted("bad", "org/bad", "script.txt", SCRIPT)),
                new HashMap<>(Map.of("HF_ENDPOINT", hub.endpoint().toString())));
        TestClient client = node.client();
        Map<String, Double> before = scrape(client);
        assertEquals(0.0, before.get("llmlb_loaded_models"));
        assertEquals(0.0, before.get("llmlb_verification_failures_total"));

        String chat = "{\"model\":\"echo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        assertEquals(200, client.post("/v1/chat/completions", chat).status());
        assertEquals(200, client.post("/v1/chat/completions", chat).status());
        assertEquals(502, client.post("/v1/chat/completions", chat.replace("echo", "bad")).status());

        Map<String, Double> after = scrape(client);
        assertEquals(2.0, after.get(
                "llmlb_http_requests_total{method=\"POST\",route=\"/v1/chat/completions\",status=\"200\"}"));
        assertEquals(1.0, after.get(
                "llmlb_http_requests_total{method=\"POST\",route=\"/v1/chat/completions\",status=\"502\"}"));
        assertEquals(1.0, after.get("llmlb_downloads_started_total{model=\"echo\"}"));
        assertEquals(1.0, after.get("llmlb_downloads_completed_total{model=\"echo\"}"));
        assertEquals(1.0, after.get("llmlb_downloads_failed_total{code=\"download_failed\",model=\"bad\"}"));
        assertEquals(1.0, after.get("llmlb_verification_failures_total"));
        assertTrue(after.get("llmlb_downloaded_bytes_total") >= SCRIPT.length());
        assertTrue(after.get("llmlb_download_throughput_bytes_per_second{model=\"echo\"}") > 0);
        assertEquals(2.0 * SCRIPT.length(), after.get("llmlb_generated_tokens_total{model=\"echo\"}"));
        assertEquals(2.0, after.get("llmlb_time_to_first_token_seconds_count{model=\"echo\"}"));
        assertEquals(1.0, after.get("llmlb_loaded_models"));
        assertEquals(1.0, after.get("llmlb_model_loads_total{engine=\"scripted\",model=\"echo\"}"));
        assertEquals(0.0, after.get("llmlb_plugin_load_failures"));
        assertTrue(after.keySet().stream().anyMatch(k -> k.startsWith(
                "llmlb_http_request_duration_seconds_bucket{route=\"/v1/chat/completions\",le=\"0.005\"}")),
                after.keySet().toString());
        List.of("/v0/models/echo/status", "/v0/models/bad/status").forEach(client::get);
        assertEquals(2.0, scrape(client).get(
                "llmlb_http_requests_total{method=\"GET\",route=\"/v0/models/{id}/status\",status=\"200\"}"),
                "model ids do not become labels");
    }

    @Test
    void junkRequestsWithoutAKeyAddNoSeries() {
        node = TestNode.start(home, Catalogs.of(Catalogs.scripted("echo", "org/echo", "script.txt", SCRIPT)),
                Map.of("HF_ENDPOINT", hub.endpoint().toString()));
        TestClient anonymous = node.client(null);
        java.util.Random random = new java.util.Random(42);
        for (int i = 0; i < 60; i++) {
            junk(anonymous, random, i);
        }
        scrape(anonymous);
        java.util.Set<String> before = scrape(anonymous).keySet();
        for (int i = 60; i < 600; i++) {
            junk(anonymous, random, i);
        }
        java.util.Set<String> added = new java.util.TreeSet<>(scrape(anonymous).keySet());
        added.removeAll(before);
        assertEquals(java.util.Set.of(), added, "540 more paths and methods, no new series");
    }

    private static void junk(TestClient client, java.util.Random random, int i) {
        String path = switch (i % 4) {
            case 0 -> "/v1/x" + random.nextInt();
            case 1 -> "/v0/models/" + random.nextInt() + "/status";
            case 2 -> "/" + Long.toHexString(random.nextLong());
            default -> "/v1/chat/completions";
        };
        String method = List.of("GET", "POST", "DELETE", "M" + random.nextInt(1000), "PUT").get(i % 5);
        client.send(client.request(path).method(method, java.net.http.HttpRequest.BodyPublishers.noBody()));
    }
}
