package dev.llmlb.host.models;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmlb.host.support.Catalogs;
import dev.llmlb.host.support.TestNode;
import dev.llmlb.host.support.Wait;
import dev.llmlb.host.system.GpuProbe;
import dev.llmlb.testkit.hub.FakeHub;
import dev.llmlb.testkit.http.TestClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.llmlb.host.support.TestNode.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Loading, unloading and placement of models within the node's limits. */
class ModelLifecycleTest {

    private final FakeHub hub = FakeHub.start();
    private TestNode node;
    @TempDir
    Path home;

    @AfterEach
    void stop() {
        if (node != null) {
            node.close();
        }
        hub.close();
    }

    private TestClient start(GpuProbe gpus, String vram, String... settings) {
        String catalog = Catalogs.of(entry("alpha", vram), entry("beta", vram), entry("gamma", vram));
        Map<String, String> map = new HashMap<>(Map.of("HF_ENDPOINT", hub.endpoint().toString()));
        for (int i = 0; i < settings.length; i += 2) {
            map.put(settings[i], settings[i + 1]);
        }
        node = TestNode.start(home, catalog, map, gpus);
        return node.client();
    }

    private String entry(String id, String vram) {
        String script = "I am " + id + ".";
        hub.repo("org/" + id).lfsFile("script.txt", script.getBytes());
        return Catalogs.scripted(id, "org/" + id, "script.txt", script).replace("\"required_vram_mb\":0",
                "\"required_vram_mb\":" + vram);
    }

    private static void ask(TestClient client, String id) {
        TestClient.Response response = client.post("/v1/chat/completions", "{\"model\":\"" + id
                + "\",\"messages\":[{\"role\":\"user\",\"content\":\"who?\"}]}");
        assertEquals(200, response.status(), response.body());
        assertEquals("I am " + id + ".", json(response.body()).get("choices").get(0).get("message").get("content")
                .asText());
    }

    private String state(String id) {
        return node.status(id).get("status").asText();
    }

    @Test
    void theLeastRecentlyUsedIdleModelIsUnloadedAtTheModelLimit() {
        TestClient client = start(GpuProbe.none(), "0", "LLMLB_MAX_LOADED_MODELS", "2");
        ask(client, "alpha");
        ask(client, "beta");
        ask(client, "alpha");
        assertEquals("loaded", state("alpha"));
        assertEquals("loaded", state("beta"));
        ask(client, "gamma");
        assertEquals("loaded", state("gamma"));
        assertEquals("loaded", state("alpha"), "used more recently than beta");
        assertEquals("local", state("beta"), "unloaded, still on disk");
    }

    @Test
    void theMemoryBudgetUnloadsModelsToMakeRoom() {
        TestClient client = start(GpuProbe.none(), "0", "TEST_MODEL_BYTES", "600", "LLMLB_MEMORY_BUDGET", "1000");
        ask(client, "alpha");
        ask(client, "beta");
        assertEquals("local", state("alpha"));
        assertEquals("loaded", state("beta"));
        assertEquals(600, node.status("beta").get("memory_bytes").asLong());
    }

    @Test
    void aModelLargerThanTheBudgetIsRefusedWithAClearReason() {
        TestClient client = start(GpuProbe.none(), "0", "TEST_MODEL_BYTES", "5000", "LLMLB_MEMORY_BUDGET", "1000");
        TestClient.Response response = client.post("/v1/chat/completions",
                "{\"model\":\"alpha\",\"messages\":[{\"role\":\"user\",\"content\":\"who?\"}]}");
        assertEquals(503, response.status());
        JsonNode error = json(response.body()).get("error");
        assertEquals("insufficient_memory", error.get("code").asText());
        assertTrue(error.get("message").asText().contains("LLMLB_MEMORY_BUDGET"));
    }

    @Test
    void idleModelsAreUnloadedAfterTheIdleTimeout() {
        TestClient client = start(GpuProbe.none(), "0", "LLMLB_IDLE_TIMEOUT", "1s");
        ask(client, "alpha");
        assertEquals("loaded", state("alpha"));
        Wait.until("alpha is unloaded", Duration.ofSeconds(10), () -> state("alpha").equals("local"));
        ask(client, "alpha");
    }

    @Test
    void withoutAGpuTheVramFigureIsReportedAndTheModelRunsOnCpu() {
        TestClient client = start(GpuProbe.none(), "2048");
        ask(client, "alpha");
        JsonNode status = node.status("alpha");
        assertEquals(2048, status.get("required_vram_mb").asLong());
        assertEquals("cpu", status.get("device").asText());
    }

    @Test
    void aModelThatFitsInFreeVramIsPlacedOnTheGpu() {
        TestClient client = start(() -> List.of(new GpuProbe.Gpu(0, "Test GPU", 24576, 20000)), "2048");
        ask(client, "alpha");
        assertEquals("gpu", node.status("alpha").get("device").asText());
    }

    @Test
    void aModelThatDoesNotFitInVramRunsOnCpuOrIsRefusedWithoutFallback() {
        GpuProbe small = () -> List.of(new GpuProbe.Gpu(0, "Small GPU", 4096, 1000));
        TestClient client = start(small, "2048");
        ask(client, "alpha");
        assertEquals("cpu", node.status("alpha").get("device").asText());
        node.close();
        node = null;
        client = start(small, "2048", "LLMLB_CPU_FALLBACK", "false");
        TestClient.Response refused = client.post("/v1/chat/completions",
                "{\"model\":\"beta\",\"messages\":[{\"role\":\"user\",\"content\":\"who?\"}]}");
        assertEquals(503, refused.status(), refused.body());
        assertEquals("insufficient_vram", json(refused.body()).get("error").get("code").asText());
        assertTrue(refused.header("Retry-After").isPresent());
    }

    @Test
    void drainingRefusesReadinessAndLetsRunningStreamsFinish() throws Exception {
        TestClient client = start(GpuProbe.none(), "0", "TEST_TOKEN_DELAY_MS", "200");
        ask(client, "alpha");
        List<String> events = new java.util.concurrent.CopyOnWriteArrayList<>();
        Thread streaming = Thread.ofVirtual().start(() -> {
            try (TestClient.EventStream stream = client.stream("/v1/chat/completions",
                    "{\"model\":\"alpha\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}",
                    null)) {
                events.addAll(stream.rest());
            }
        });
        Wait.until("the stream is running", Duration.ofSeconds(5), () -> !node.node().models().isIdle());
        Thread drain = Thread.ofVirtual().start(() -> node.node().drainAndStop(Duration.ofSeconds(10)));
        Wait.until("readiness turns", Duration.ofSeconds(5), () -> node.client(null).get("/ready").status() == 503
                || !drain.isAlive());
        TestClient.Response refused = client.post("/v1/chat/completions",
                "{\"model\":\"alpha\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
        assertEquals(503, refused.status(), "new work goes to other nodes while this one drains");
        assertEquals("node_draining", json(refused.body()).get("error").get("code").asText());
        assertEquals("offline", json(client.get("/v0/health").body()).get("status").asText());
        streaming.join(10_000);
        drain.join(10_000);
        assertEquals("[DONE]", events.get(events.size() - 1), "the stream in flight finished: " + events);
        node = null;
    }
}
