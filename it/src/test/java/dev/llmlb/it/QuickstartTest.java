package dev.llmlb.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmlb.testkit.hub.FakeHub;
import dev.llmlb.testkit.http.TestClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The user's document, as written, against the fake hub: the catalog entry of the quickstart, its curl call, its
 * log lines, its status call and its errors, with the real distribution and the real llama.cpp engine on a
 * generated model.
 */
class QuickstartTest {

    private static final String REPO = QuickstartFixture.REPO;
    private static final String FILE = QuickstartFixture.FILE;
    private static final String HELLO = """
            {
              "model": "llama-3.2-1b",
              "messages": [
                {"role": "user", "content": "Hello!"}
              ]
            }""";

    @TempDir
    static Path home;
    @TempDir
    static Path models;
    private static FakeHub hub;
    private static DistNode node;
    private static long size;

    @BeforeAll
    static void start() throws Exception {
        hub = FakeHub.start();
        size = QuickstartFixture.serveModel(hub, models);
        QuickstartFixture.writeCatalog(home, size);
        node = DistNode.start(DistNode.dist(), home, Map.of("HF_ENDPOINT", hub.endpoint().toString()));
    }

    @AfterAll
    static void stop() {
        node.close();
        hub.close();
    }

    @Test
    void theCurlCallDownloadsLoadsAndAnswers() {
        JsonNode before = node.get("/v0/models/llama-3.2-1b/status").json();
        assertEquals("llama-3.2-1b", before.get("model_id").asText());
        assertTrue(List.of("not_downloaded", "loaded").contains(before.get("status").asText()));

        DistNode.Response answer = node.post("/v1/chat/completions", HELLO);
        assertEquals(200, answer.status(), answer.body());
        JsonNode body = answer.json();
        assertEquals("chat.completion", body.get("object").asText());
        assertEquals("llama-3.2-1b", body.get("model").asText());
        assertTrue(body.get("id").asText().startsWith("chatcmpl-"));
        JsonNode choice = body.get("choices").get(0);
        assertEquals("assistant", choice.get("message").get("role").asText());
        assertTrue(choice.get("message").get("content").isTextual());
        assertTrue(List.of("stop", "length").contains(choice.get("finish_reason").asText()));
        JsonNode usage = body.get("usage");
        assertTrue(usage.get("prompt_tokens").asInt() > 5);
        assertTrue(usage.get("completion_tokens").asInt() > 0);
        assertEquals(usage.get("prompt_tokens").asInt() + usage.get("completion_tokens").asInt(),
                usage.get("total_tokens").asInt());

        String log = node.log();
        List<String> lines = log.lines().map(l -> l.replaceFirst("^\\S+ \\S+ ", "")).filter(l -> Stream.of(
                "Model resolution started", "Model not found locally", "Download progress", "Download completed",
                "Model loaded successfully").anyMatch(l::contains)).toList();
        assertEquals("[INFO] Model resolution started: llama-3.2-1b", lines.get(0), log);
        assertEquals("[INFO] Model not found locally, downloading from HuggingFace...", lines.get(1));
        for (int decile = 1; decile <= 10; decile++) {
            assertTrue(lines.get(1 + decile).startsWith("[INFO] Download progress: " + decile * 10 + "% ("),
                    lines.get(1 + decile));
        }
        assertEquals("[INFO] Download completed: llama-3.2-1b", lines.get(12));
        assertEquals("[INFO] Model loaded successfully", lines.get(13));
        assertFalse(log.contains("update_slots"), "llama.cpp's own request log stays out of the node's log");

        JsonNode status = node.get("/v0/models/llama-3.2-1b/status").json();
        assertEquals("loaded", status.get("status").asText());
        assertEquals(1.0, status.get("progress").asDouble());
        assertEquals(size, status.get("downloaded_bytes").asLong());
        assertEquals(size, status.get("total_bytes").asLong());
        assertTrue(Files.exists(home.resolve("models/llama-3.2-1b/" + FILE)));
        assertEquals(1, hub.cdnRequests(REPO, FILE));
    }

    @Test
    void anUnknownModelGetsTheDocumentsError() {
        DistNode.Response answer = node.post("/v1/chat/completions", """
                {
                  "model": "unknown-model",
                  "messages": [{"role": "user", "content": "Hello"}]
                }""");
        assertEquals(404, answer.status());
        JsonNode error = answer.json().get("error");
        assertEquals("Model 'unknown-model' is not supported. Check supported_models.json.",
                error.get("message").asText());
        assertEquals("invalid_request_error", error.get("type").asText());
        assertEquals("model_not_found", error.get("code").asText());
    }

    @Test
    void streamingAnswersArriveAsServerSentEvents() {
        TestClient client = new TestClient(node.port(), "sk_debug");
        try (TestClient.EventStream stream = client.stream("/v1/chat/completions",
                "{\"model\":\"llama-3.2-1b\",\"stream\":true,\"max_tokens\":12,\"messages\":[{\"role\":\"user\","
                        + "\"content\":\"Hello!\"}]}", "application/json")) {
            assertEquals(200, stream.status());
            assertTrue(stream.header("Content-Type").orElseThrow().startsWith("text/event-stream"));
            List<String> events = stream.rest();
            assertEquals("[DONE]", events.get(events.size() - 1));
            assertTrue(events.size() >= 3, events.toString());
        }
    }
}
