package dev.llmlb.host.models;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmlb.host.support.Catalogs;
import dev.llmlb.host.support.RawHttp;
import dev.llmlb.host.support.TestNode;
import dev.llmlb.host.support.Wait;
import dev.llmlb.testkit.hub.FakeHub;
import dev.llmlb.testkit.hub.Fault;
import dev.llmlb.testkit.http.TestClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.llmlb.host.support.TestNode.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Many clients at once on one node: clients that leave, swaps, queues, deletes, and races between them. */
class ServingManyClientsTest {

    private static final String LONG = "x".repeat(3000);

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

    private TestClient start(List<String> ids, String script, String... settings) {
        List<String> entries = new ArrayList<>();
        for (String id : ids) {
            hub.repo("org/" + id).lfsFile("script.txt", script.getBytes());
            entries.add(Catalogs.scripted(id, "org/" + id, "script.txt", script));
        }
        Map<String, String> map = new HashMap<>(Map.of("HF_ENDPOINT", hub.endpoint().toString(),
                "TEST_CONTEXT", "8192"));
        for (int i = 0; i < settings.length; i += 2) {
            map.put(settings[i], settings[i + 1]);
        }
        node = TestNode.start(home, Catalogs.of(entries.toArray(String[]::new)), map);
        return node.client();
    }

    private static String chat(String model, String extra) {
        return "{\"model\":\"" + model + "\"" + extra + ",\"messages\":[{\"role\":\"user\",\"content\":\"go\"}]}";
    }

    private JsonNode requests() {
        return json(node.client().get("/v0/health").body()).get("requests");
    }

    private long generatedTokens(String model) {
        Matcher m = Pattern.compile("llmlb_generated_tokens_total\\{model=\"" + model + "\"} ([0-9.E]+)")
                .matcher(node.client(null).get("/metrics").body());
        return m.find() ? (long) Double.parseDouble(m.group(1)) : 0;
    }

    private static double gauge(String metrics, String name, String model) {
        Matcher m = Pattern.compile("(?m)^" + name + "\\{model=\"" + model + "\"} ([0-9.E]+)$").matcher(metrics);
        assertTrue(m.find(), name + " for " + model + " in\n" + metrics);
        return Double.parseDouble(m.group(1));
    }

    @Test
    void aClientThatLeavesAStreamStopsItsGenerationWithinATick() {
        start(List.of("long"), LONG, "TEST_TOKEN_DELAY_MS", "2");
        node.client().post("/v1/chat/completions", chat("long", ",\"max_tokens\":1"));
        long before = generatedTokens("long");
        try (RawHttp client = RawHttp.post(node.node().port(), "/v1/chat/completions", chat("long",
                ",\"stream\":true"))) {
            client.read(2000);
            assertEquals(1, requests().get("running").asInt());
        }
        Wait.until("the generation stopped", Duration.ofSeconds(1), () -> requests().get("running").asInt() == 0);
        long produced = generatedTokens("long") - before;
        assertTrue(produced < 1500, "3000 tokens were asked for, " + produced + " were made for nobody");
    }

    @Test
    void aClientThatGivesUpANonStreamingRequestStopsItsGeneration() throws Exception {
        start(List.of("long"), LONG, "TEST_TOKEN_DELAY_MS", "2");
        node.client().post("/v1/chat/completions", chat("long", ",\"max_tokens\":1"));
        long before = generatedTokens("long");
        try (RawHttp client = RawHttp.post(node.node().port(), "/v1/chat/completions", chat("long", ""))) {
            Wait.until("it runs", Duration.ofSeconds(2), () -> requests().get("running").asInt() == 1);
            Thread.sleep(300);
        }
        Wait.until("the generation stopped", Duration.ofSeconds(1), () -> requests().get("running").asInt() == 0);
        long produced = generatedTokens("long") - before;
        assertTrue(produced < 1500, "3000 tokens were asked for, " + produced + " were made for nobody");
    }

    @Test
    void aClientThatAsksToCloseGetsItsStreamAndThenTheConnectionClosed() {
        start(List.of("long"), LONG);
        // Helidon 4.5.0 alone keeps such connections open (helidon-io/helidon#12324): see ClosingConnections.
        for (String model : List.of("long", "unknown")) {
            for (boolean stream : new boolean[] {true, false}) {
                try (RawHttp client = RawHttp.post(node.node().port(), "/v1/chat/completions", chat(model,
                        ",\"max_tokens\":3,\"stream\":" + stream), true)) {
                    String answer = client.readUntilClosed(5_000);
                    assertTrue(answer.startsWith(model.equals("long") ? "HTTP/1.1 200" : "HTTP/1.1 404"), answer);
                    assertTrue(!stream || !model.equals("long") || answer.contains("data: [DONE]"), answer);
                }
            }
        }
    }

    @Test
    void aClientThatLeavesWhileQueuedLeavesTheQueueAtOnce() throws Exception {
        TestClient client = start(List.of("long"), LONG, "TEST_TOKEN_DELAY_MS", "2", "LLMLB_PARALLEL", "1");
        client.post("/v1/chat/completions", chat("long", ",\"max_tokens\":1"));
        Thread running = Thread.ofVirtual().start(() -> client.post("/v1/chat/completions",
                chat("long", ",\"max_tokens\":1000")));
        Wait.until("one runs", Duration.ofSeconds(2), () -> requests().get("running").asInt() == 1);
        try (RawHttp waiting = RawHttp.post(node.node().port(), "/v1/chat/completions", chat("long", ""))) {
            Wait.until("one waits", Duration.ofSeconds(2), () -> requests().get("queued").asInt() == 1);
        }
        Wait.until("the queue is empty", Duration.ofMillis(500), () -> requests().get("queued").asInt() == 0);
        assertEquals(1, requests().get("running").asInt(), "the first one still runs");
        running.join();
    }

    @Test
    void upToParallelGenerationsRunAtOnceAndTheRestWaitInOrder() throws Exception {
        TestClient client = start(List.of("long"), LONG, "TEST_TOKEN_DELAY_MS", "2", "LLMLB_PARALLEL", "3");
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            threads.add(Thread.ofVirtual().start(() -> client.post("/v1/chat/completions",
                    chat("long", ",\"max_tokens\":400"))));
        }
        Wait.until("three run, two wait", Duration.ofSeconds(5), () -> requests().get("running").asInt() == 3
                && requests().get("queued").asInt() == 2);
        JsonNode status = node.status("long");
        assertEquals(3, status.get("parallel_sequences").asInt());
        assertEquals(3, status.get("running").asInt());
        String metrics = node.client(null).get("/metrics").body();
        assertEquals(3, gauge(metrics, "llmlb_model_sequences", "long"), "the batch's capacity");
        assertEquals(3, gauge(metrics, "llmlb_running_requests", "long"), "its occupancy");
        assertEquals(2, gauge(metrics, "llmlb_queue_length", "long"));
        for (Thread thread : threads) {
            thread.join();
        }
        assertEquals(0, requests().get("running").asInt());
    }

    @Test
    void twoModelsAskedForInTurnWithRoomForOneBothGetTheirAnswers() throws Exception {
        TestClient client = start(List.of("alpha", "beta"), "abcdefgh", "LLMLB_MAX_LOADED_MODELS", "1",
                "TEST_TOKEN_DELAY_MS", "5", "LLMLB_PARALLEL", "2");
        List<Integer> statuses = Collections.synchronizedList(new ArrayList<>());
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            String model = i % 2 == 0 ? "alpha" : "beta";
            threads.add(Thread.ofVirtual().start(() -> {
                TestClient.Response answer = client.post("/v1/chat/completions", chat(model, ""));
                statuses.add(answer.status());
                if (answer.status() != 200) {
                    System.out.println("ANSWER " + answer.body());
                }
                if (answer.status() == 200) {
                    assertEquals("abcdefgh", json(answer.body()).get("choices").get(0).get("message")
                            .get("content").asText());
                }
            }));
        }
        for (Thread thread : threads) {
            thread.join();
        }
        assertEquals(Collections.nCopies(40, 200), statuses, "swaps wait instead of failing");
    }

    @Test
    void manyFirstRequestsDuringADownloadAllGetTheirAnswer() throws Exception {
        hub.fault("org/slow", "script.txt", Fault.throttle(4000));
        TestClient client = start(List.of("slow"), "y".repeat(4000));
        List<Integer> statuses = Collections.synchronizedList(new ArrayList<>());
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            threads.add(Thread.ofVirtual().start(() -> statuses.add(client.post("/v1/chat/completions",
                    chat("slow", ",\"max_tokens\":2")).status())));
        }
        Wait.until("all wait for the download", Duration.ofSeconds(5), () -> requests().get("queued").asInt() == 40);
        for (Thread thread : threads) {
            thread.join();
        }
        assertEquals(Collections.nCopies(40, 200), statuses);
    }

    @Test
    void waitingRequestsBeyondTheNodeWideBoundAre429() throws Exception {
        hub.fault("org/slow", "script.txt", Fault.throttle(2000));
        TestClient client = start(List.of("slow"), "y".repeat(4000), "LLMLB_MAX_QUEUED", "3");
        List<TestClient.Response> answers = Collections.synchronizedList(new ArrayList<>());
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            threads.add(Thread.ofVirtual().start(() -> answers.add(client.post("/v1/chat/completions",
                    chat("slow", ",\"max_tokens\":2")))));
        }
        for (Thread thread : threads) {
            thread.join();
        }
        List<TestClient.Response> refused = answers.stream().filter(a -> a.status() == 429).toList();
        assertEquals(3, refused.size(), answers.stream().map(TestClient.Response::status).toList().toString());
        assertEquals("node_queue_full", json(refused.get(0).body()).get("error").get("code").asText());
        assertTrue(refused.get(0).header("Retry-After").isPresent());
        assertEquals(3, answers.stream().filter(a -> a.status() == 200).count());
    }

    @Test
    void deletingAModelThatServesIs409AndAfterwardsItIsFetchedAgain() throws Exception {
        TestClient client = start(List.of("long"), LONG, "TEST_TOKEN_DELAY_MS", "2");
        Thread running = Thread.ofVirtual().start(() -> client.post("/v1/chat/completions",
                chat("long", ",\"max_tokens\":300")));
        Wait.until("it runs", Duration.ofSeconds(5), () -> requests().get("running").asInt() == 1);
        TestClient.Response refused = client.delete("/v0/models/long");
        assertEquals(409, refused.status(), refused.body());
        assertEquals("model_busy", json(refused.body()).get("error").get("code").asText());
        running.join();
        assertEquals(200, client.delete("/v0/models/long").status());
        assertEquals("not_downloaded", node.status("long").get("status").asText());
        assertEquals(200, client.post("/v1/chat/completions", chat("long", ",\"max_tokens\":2")).status());
    }

    /**
     * Unloads (a one-second idle timeout and room for one model of three), leases and deletes race for a few
     * seconds: no request may meet a closed model (500), and at the end nothing runs or waits.
     */
    @Test
    void unloadsDeletesAndLeasesRacingNeverFailARequest() throws Exception {
        TestClient client = start(List.of("a", "b", "c"), "abcdef", "LLMLB_MAX_LOADED_MODELS", "1",
                "LLMLB_IDLE_TIMEOUT", "1", "TEST_TOKEN_DELAY_MS", "1");
        Map<String, Integer> outcomes = new ConcurrentHashMap<>();
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch done = new CountDownLatch(9);
        for (int t = 0; t < 8; t++) {
            Thread.ofVirtual().start(() -> {
                try {
                    while (!stop.get()) {
                        String model = List.of("a", "b", "c").get(ThreadLocalRandom.current().nextInt(3));
                        TestClient.Response answer = client.post("/v1/chat/completions", chat(model, ""));
                        String code = answer.status() == 200 ? "" : json(answer.body()).path("error").path("code")
                                .asText();
                        outcomes.merge(answer.status() + " " + code, 1, Integer::sum);
                    }
                } finally {
                    done.countDown();
                }
            });
        }
        Thread.ofVirtual().start(() -> {
            try {
                while (!stop.get()) {
                    String model = List.of("a", "b", "c").get(ThreadLocalRandom.current().nextInt(3));
                    int status = client.delete("/v0/models/" + model).status();
                    outcomes.merge("DELETE " + status, 1, Integer::sum);
                    Thread.sleep(50);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                done.countDown();
            }
        });
        Thread.sleep(5000);
        stop.set(true);
        done.await();
        outcomes.keySet().forEach(outcome -> assertTrue(outcome.startsWith("200") || outcome.equals("DELETE 200")
                || outcome.equals("DELETE 409"), "unexpected outcome " + outcome + " in " + outcomes));
        assertTrue(outcomes.getOrDefault("200 ", 0) > 50, outcomes.toString());
        Wait.until("nothing runs or waits", Duration.ofSeconds(1), () -> requests().get("running").asInt() == 0
                && requests().get("queued").asInt() == 0);
    }

    @Test
    void aFailureAfterTheStreamStartedIsAnErrorEventThenDone() {
        TestClient client = start(List.of("echo"), "Hello");
        try (TestClient.EventStream stream = client.stream("/v1/chat/completions",
                "{\"model\":\"echo\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"BOOM\"}]}",
                null)) {
            assertEquals(200, stream.status());
            List<String> events = stream.rest();
            assertEquals("assistant", json(events.get(0)).get("choices").get(0).get("delta").get("role").asText());
            JsonNode error = json(events.get(1)).get("error");
            assertEquals("engine_error", error.get("code").asText(), events.toString());
            assertEquals("[DONE]", events.get(events.size() - 1));
        }
    }
}
