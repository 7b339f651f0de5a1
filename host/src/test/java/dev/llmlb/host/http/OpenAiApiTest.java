package dev.llmlb.host.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmlb.host.support.Catalogs;
import dev.llmlb.host.support.TestNode;
import dev.llmlb.testkit.hub.FakeHub;
import dev.llmlb.testkit.http.TestClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.llmlb.host.support.TestNode.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The OpenAI routes' shapes and behaviours, on the scripted test engine whose output is known in advance. */
class OpenAiApiTest {

    private static final String SCRIPT = "Hello world! This is the scripted model speaking.";
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

    private TestClient start(String... settings) {
        hub.repo("org/echo").lfsFile("script.txt", SCRIPT.getBytes());
        Map<String, String> map = new HashMap<>(Map.of("HF_ENDPOINT", hub.endpoint().toString()));
        for (int i = 0; i < settings.length; i += 2) {
            map.put(settings[i], settings[i + 1]);
        }
        node = TestNode.start(home, Catalogs.of(Catalogs.scripted("echo", "org/echo", "script.txt", SCRIPT)), map);
        return node.client();
    }

    private static String chat(String extra) {
        return "{\"model\":\"echo\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]" + extra + "}";
    }

    @Test
    void aChatCompletionHasOpenAisShape() {
        TestClient client = start();
        JsonNode body = json(client.post("/v1/chat/completions", chat("")).body());
        assertTrue(body.get("id").asText().startsWith("chatcmpl-"));
        assertEquals("chat.completion", body.get("object").asText());
        assertTrue(body.get("created").asLong() > 1_700_000_000L);
        assertEquals("echo", body.get("model").asText());
        JsonNode choice = body.get("choices").get(0);
        assertEquals(0, choice.get("index").asInt());
        assertEquals("assistant", choice.get("message").get("role").asText());
        assertEquals(SCRIPT, choice.get("message").get("content").asText());
        assertEquals("stop", choice.get("finish_reason").asText());
        assertEquals("user: Hi".length(), body.get("usage").get("prompt_tokens").asInt());
        assertEquals(SCRIPT.length(), body.get("usage").get("completion_tokens").asInt());
        assertEquals("user: Hi".length() + SCRIPT.length(), body.get("usage").get("total_tokens").asInt());
    }

    @Test
    void maxTokensCutsWithFinishReasonLength() {
        TestClient client = start();
        JsonNode choice = json(client.post("/v1/chat/completions", chat(",\"max_tokens\":5")).body())
                .get("choices").get(0);
        assertEquals("Hello", choice.get("message").get("content").asText());
        assertEquals("length", choice.get("finish_reason").asText());
        JsonNode modern = json(client.post("/v1/chat/completions", chat(",\"max_completion_tokens\":3")).body());
        assertEquals("Hel", modern.get("choices").get(0).get("message").get("content").asText());
    }

    @Test
    void stopSequencesEndTheAnswerAndAreNotEchoed() {
        TestClient client = start();
        JsonNode one = json(client.post("/v1/chat/completions", chat(",\"stop\":\"wor\"")).body()).get("choices")
                .get(0);
        assertEquals("Hello ", one.get("message").get("content").asText());
        assertEquals("stop", one.get("finish_reason").asText());
        JsonNode many = json(client.post("/v1/chat/completions", chat(",\"stop\":[\"zzz\",\"is the\",\"! T\"]"))
                .body()).get("choices").get(0);
        assertEquals("Hello world", many.get("message").get("content").asText());
        try (TestClient.EventStream stream = client.stream("/v1/chat/completions",
                chat(",\"stream\":true,\"stop\":[\"rld\"]"), null)) {
            StringBuilder text = new StringBuilder();
            for (String event : stream.rest()) {
                if (!event.equals("[DONE]")) {
                    JsonNode delta = json(event).get("choices").get(0).get("delta");
                    if (delta.has("content")) {
                        text.append(delta.get("content").asText());
                    }
                }
            }
            assertEquals("Hello wo", text.toString(), "no part of a stop sequence is ever sent");
        }
    }

    @Test
    void aStreamHasOneIdTheRoleFirstTheFinishReasonLastThenDone() {
        TestClient client = start();
        try (TestClient.EventStream stream = client.stream("/v1/chat/completions", chat(",\"stream\":true"),
                "application/json")) {
            assertEquals(200, stream.status());
            assertTrue(stream.header("Content-Type").orElseThrow().startsWith("text/event-stream"),
                    "an event stream whatever the client accepts");
            List<String> events = stream.rest();
            assertEquals("[DONE]", events.get(events.size() - 1));
            List<JsonNode> chunks = events.subList(0, events.size() - 1).stream().map(TestNode::json).toList();
            Set<String> ids = new HashSet<>();
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < chunks.size(); i++) {
                JsonNode chunk = chunks.get(i);
                ids.add(chunk.get("id").asText());
                assertEquals("chat.completion.chunk", chunk.get("object").asText());
                JsonNode choice = chunk.get("choices").get(0);
                boolean last = i == chunks.size() - 1;
                assertEquals(last, !choice.get("finish_reason").isNull(), "finish_reason only in the last: " + chunk);
                if (i == 0) {
                    assertEquals("assistant", choice.get("delta").get("role").asText());
                } else {
                    assertFalse(choice.get("delta").has("role"));
                }
                if (choice.get("delta").has("content")) {
                    text.append(choice.get("delta").get("content").asText());
                }
                assertFalse(chunk.has("usage"), "no usage unless asked for");
            }
            assertEquals(1, ids.size());
            assertEquals(SCRIPT, text.toString());
            assertEquals("stop", chunks.get(chunks.size() - 1).get("choices").get(0).get("finish_reason").asText());
        }
    }

    @Test
    void includeUsageAddsAFinalUsageChunk() {
        TestClient client = start();
        try (TestClient.EventStream stream = client.stream("/v1/chat/completions",
                chat(",\"stream\":true,\"max_tokens\":4,\"stream_options\":{\"include_usage\":true}"), null)) {
            List<String> events = stream.rest();
            JsonNode usageChunk = json(events.get(events.size() - 2));
            assertEquals(0, usageChunk.get("choices").size());
            assertEquals(4, usageChunk.get("usage").get("completion_tokens").asInt());
            assertTrue(json(events.get(0)).get("usage").isNull(), "other chunks carry usage: null");
        }
    }

    @Test
    void aClientThatLeavesStopsTheGeneration() throws Exception {
        String longScript = "x".repeat(2000);
        hub.repo("org/long").lfsFile("long.txt", longScript.getBytes());
        node = TestNode.start(home, Catalogs.of(Catalogs.scripted("long", "org/long", "long.txt", longScript)),
                Map.of("HF_ENDPOINT", hub.endpoint().toString(), "TEST_TOKEN_DELAY_MS", "10",
                        "TEST_CONTEXT", "4096"));
        TestClient client = node.client();
        String body = "{\"model\":\"long\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"go\"}]}";
        try (TestClient.EventStream stream = client.stream("/v1/chat/completions", body, null)) {
            for (int i = 0; i < 5; i++) {
                stream.next();
            }
        }
        long started = System.nanoTime();
        TestClient.Response next = client.post("/v1/chat/completions",
                "{\"model\":\"long\",\"max_tokens\":2,\"messages\":[{\"role\":\"user\",\"content\":\"go\"}]}");
        long waitedMillis = (System.nanoTime() - started) / 1_000_000;
        assertEquals(200, next.status(), next.body());
        assertTrue(waitedMillis < 3000, "the abandoned generation (20 s of tokens) was stopped; waited "
                + waitedMillis + " ms");
    }

    @Test
    void aPromptBeyondTheContextIs400ContextLengthExceeded() {
        TestClient client = start("TEST_CONTEXT", "32");
        TestClient.Response response = client.post("/v1/chat/completions",
                "{\"model\":\"echo\",\"messages\":[{\"role\":\"user\",\"content\":\"" + "a".repeat(100) + "\"}]}");
        assertEquals(400, response.status(), response.body());
        JsonNode error = json(response.body()).get("error");
        assertEquals("context_length_exceeded", error.get("code").asText());
        assertEquals("invalid_request_error", error.get("type").asText());
        assertEquals("messages", error.get("param").asText());
    }

    @Test
    void aFullQueueAnswers429WithRetryAfter() throws Exception {
        TestClient client = start("TEST_TOKEN_DELAY_MS", "40", "LLMLB_QUEUE_SIZE", "1", "LLMLB_PARALLEL", "1");
        client.post("/v1/chat/completions", chat(",\"max_tokens\":1"));
        List<Thread> threads = new ArrayList<>();
        List<TestClient.Response> answers = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < 4; i++) {
            threads.add(Thread.ofVirtual().start(() -> answers.add(client.post("/v1/chat/completions",
                    chat(",\"max_tokens\":25")))));
            Thread.sleep(60);
        }
        for (Thread thread : threads) {
            thread.join();
        }
        List<TestClient.Response> refused = answers.stream().filter(a -> a.status() == 429).toList();
        assertEquals(2, refused.size(), "one runs, one waits, the rest are refused: "
                + answers.stream().map(TestClient.Response::status).toList());
        assertEquals("1", refused.get(0).header("Retry-After").orElseThrow());
        assertEquals("queue_full", json(refused.get(0).body()).get("error").get("code").asText());
        assertEquals(2, answers.stream().filter(a -> a.status() == 200).count());
    }

    @Test
    void textCompletionsHaveTheirOwnShape() {
        TestClient client = start();
        JsonNode body = json(client.post("/v1/completions",
                "{\"model\":\"echo\",\"prompt\":\"Say\",\"max_tokens\":5,\"echo\":true}").body());
        assertEquals("text_completion", body.get("object").asText());
        assertTrue(body.get("id").asText().startsWith("cmpl-"));
        assertEquals("SayHello", body.get("choices").get(0).get("text").asText());
        assertEquals("length", body.get("choices").get(0).get("finish_reason").asText());
        try (TestClient.EventStream stream = client.stream("/v1/completions",
                "{\"model\":\"echo\",\"prompt\":\"Say\",\"max_tokens\":3,\"stream\":true}", null)) {
            List<String> events = stream.rest();
            assertEquals("[DONE]", events.get(events.size() - 1));
            StringBuilder text = new StringBuilder();
            events.subList(0, events.size() - 1).forEach(e -> text.append(json(e).get("choices").get(0).get("text")
                    .asText()));
            assertEquals("Hel", text.toString());
        }
        assertEquals(16, json(client.post("/v1/completions", "{\"model\":\"echo\",\"prompt\":\"Say\"}").body())
                .get("usage").get("completion_tokens").asInt(), "OpenAI's default max_tokens for completions");
    }

    @Test
    void embeddingsComeAsFloatsOrBase64() {
        TestClient client = start();
        JsonNode floats = json(client.post("/v1/embeddings",
                "{\"model\":\"echo\",\"input\":[\"banana\",\"kiwi\"]}").body());
        assertEquals("list", floats.get("object").asText());
        assertEquals(2, floats.get("data").size());
        assertEquals("embedding", floats.get("data").get(1).get("object").asText());
        assertEquals(1, floats.get("data").get(1).get("index").asInt());
        assertEquals(6.0, floats.get("data").get(0).get("embedding").get(0).asDouble());
        assertEquals(3.0, floats.get("data").get(0).get("embedding").get(1).asDouble());
        assertEquals(10, floats.get("usage").get("prompt_tokens").asInt());
        JsonNode base64 = json(client.post("/v1/embeddings",
                "{\"model\":\"echo\",\"input\":\"banana\",\"encoding_format\":\"base64\"}").body());
        ByteBuffer bytes = ByteBuffer.wrap(Base64.getDecoder().decode(base64.get("data").get(0).get("embedding")
                .asText())).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(6.0f, bytes.getFloat());
        assertEquals(3.0f, bytes.getFloat());
    }

    @Test
    void textThatIsNotWellFormedUnicodeIs400NamingItsField() {
        TestClient client = start();
        TestClient.Response chat = client.post("/v1/chat/completions",
                "{\"model\":\"echo\",\"messages\":[{\"role\":\"user\",\"content\":\"bad \\ud800 text\"}]}");
        assertEquals(400, chat.status(), chat.body());
        assertEquals("messages[0].content", json(chat.body()).get("error").get("param").asText());
        TestClient.Response completion = client.post("/v1/completions",
                "{\"model\":\"echo\",\"prompt\":\"\\udc00\"}");
        assertEquals(400, completion.status(), completion.body());
        assertEquals("prompt", json(completion.body()).get("error").get("param").asText());
        assertEquals(200, client.post("/v1/completions", "{\"model\":\"echo\",\"prompt\":\"\\ud83d\\ude00\"}")
                .status(), "a surrogate pair is an emoji, not an error");
    }

    private static final String WEATHER_TOOL = "{\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
            + "\"parameters\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},"
            + "\"required\":[\"city\"]}}}";

    private TestClient startWith(String script) {
        hub.repo("org/tools").lfsFile("script.txt", script.getBytes());
        node = TestNode.start(home, Catalogs.of(Catalogs.scripted("tools", "org/tools", "script.txt", script)),
                Map.of("HF_ENDPOINT", hub.endpoint().toString(), "TEST_CONTEXT", "4096"));
        return node.client();
    }

    private static String toolChat(String extra) {
        return "{\"model\":\"tools\",\"messages\":[{\"role\":\"user\",\"content\":\"Weather in Paris?\"}],"
                + "\"tools\":[" + WEATHER_TOOL + "]" + extra + "}";
    }

    @Test
    void aNamedToolChoiceAnswersWithACallWhoseArgumentsAreTheOutput() {
        TestClient client = startWith("{\"city\": \"Paris\"}");
        JsonNode choice = json(client.post("/v1/chat/completions", toolChat(",\"tool_choice\":{\"type\":\"function\","
                + "\"function\":{\"name\":\"get_weather\"}}")).body()).get("choices").get(0);
        assertEquals("tool_calls", choice.get("finish_reason").asText());
        JsonNode message = choice.get("message");
        assertTrue(message.get("content").isNull());
        JsonNode call = message.get("tool_calls").get(0);
        assertTrue(call.get("id").asText().startsWith("call_"));
        assertEquals("function", call.get("type").asText());
        assertEquals("get_weather", call.get("function").get("name").asText());
        assertEquals("{\"city\": \"Paris\"}", call.get("function").get("arguments").asText());
    }

    @Test
    void aStreamedCallSendsItsHeadThenItsArgumentsAsOpenAiDoes() {
        TestClient client = startWith("{\"city\": \"Paris\"}");
        try (TestClient.EventStream stream = client.stream("/v1/chat/completions", toolChat(",\"stream\":true,"
                + "\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"get_weather\"}}"), null)) {
            List<String> events = stream.rest();
            List<JsonNode> deltas = events.subList(0, events.size() - 1).stream()
                    .map(e -> json(e).get("choices").get(0)).toList();
            JsonNode head = deltas.get(0).get("delta").get("tool_calls").get(0);
            assertEquals(0, head.get("index").asInt());
            assertTrue(head.get("id").asText().startsWith("call_"));
            assertEquals("get_weather", head.get("function").get("name").asText());
            StringBuilder arguments = new StringBuilder();
            for (JsonNode delta : deltas.subList(1, deltas.size())) {
                JsonNode calls = delta.get("delta").get("tool_calls");
                if (calls != null) {
                    assertFalse(calls.get(0).has("id"), "only the head carries the id");
                    arguments.append(calls.get(0).get("function").get("arguments").asText());
                }
            }
            assertEquals("{\"city\": \"Paris\"}", arguments.toString());
            assertEquals("tool_calls", deltas.get(deltas.size() - 1).get("finish_reason").asText());
        }
    }

    @Test
    void autoFindsHermesStyleCallsInTheTextAndKeepsTheTextBefore() {
        String script = "Let me check.<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}"
                + "\n</tool_call>\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Rome\"}}\n"
                + "</tool_call>";
        TestClient client = startWith(script);
        JsonNode choice = json(client.post("/v1/chat/completions", toolChat("")).body()).get("choices").get(0);
        assertEquals("tool_calls", choice.get("finish_reason").asText());
        assertEquals("Let me check.", choice.get("message").get("content").asText());
        JsonNode calls = choice.get("message").get("tool_calls");
        assertEquals(2, calls.size());
        assertEquals("{\"city\":\"Rome\"}", calls.get(1).get("function").get("arguments").asText());
        assertFalse(calls.get(0).get("id").asText().equals(calls.get(1).get("id").asText()));
        // Streamed, the text before the call streams as content and the calls follow once complete.
        try (TestClient.EventStream stream = client.stream("/v1/chat/completions", toolChat(",\"stream\":true"),
                null)) {
            StringBuilder content = new StringBuilder();
            List<String> names = new ArrayList<>();
            for (String event : stream.rest()) {
                if (event.equals("[DONE]")) {
                    continue;
                }
                JsonNode delta = json(event).get("choices").get(0).get("delta");
                if (delta.hasNonNull("content")) {
                    content.append(delta.get("content").asText());
                }
                if (delta.has("tool_calls") && delta.get("tool_calls").get(0).get("function").has("name")) {
                    names.add(delta.get("tool_calls").get(0).get("function").get("name").asText());
                }
            }
            assertEquals("Let me check.", content.toString());
            assertEquals(List.of("get_weather", "get_weather"), names);
        }
        // tool_choice none: the same text is the content.
        JsonNode none = json(client.post("/v1/chat/completions", toolChat(",\"tool_choice\":\"none\"")).body())
                .get("choices").get(0);
        assertEquals(script, none.get("message").get("content").asText());
        assertEquals("stop", none.get("finish_reason").asText());
    }

    @Test
    void severalChoicesEachAnswerAndThePromptCountsOnce() {
        TestClient client = start();
        JsonNode body = json(client.post("/v1/chat/completions", chat(",\"n\":3,\"max_tokens\":5")).body());
        assertEquals(3, body.get("choices").size());
        for (int i = 0; i < 3; i++) {
            assertEquals(i, body.get("choices").get(i).get("index").asInt());
            assertEquals("Hello", body.get("choices").get(i).get("message").get("content").asText());
        }
        assertEquals("user: Hi".length(), body.get("usage").get("prompt_tokens").asInt());
        assertEquals(15, body.get("usage").get("completion_tokens").asInt());
        try (TestClient.EventStream stream = client.stream("/v1/chat/completions",
                chat(",\"n\":2,\"max_tokens\":3,\"stream\":true"), null)) {
            Map<Integer, StringBuilder> texts = new HashMap<>();
            for (String event : stream.rest()) {
                if (!event.equals("[DONE]")) {
                    JsonNode choice = json(event).get("choices").get(0);
                    if (choice.get("delta").hasNonNull("content")) {
                        texts.computeIfAbsent(choice.get("index").asInt(), k -> new StringBuilder())
                                .append(choice.get("delta").get("content").asText());
                    }
                }
            }
            assertEquals("Hel", texts.get(0).toString());
            assertEquals("Hel", texts.get(1).toString());
        }
    }

    @Test
    void logprobsAreReportedInChatAndCompletionShapes() {
        TestClient client = start();
        JsonNode chat = json(client.post("/v1/chat/completions", chat(",\"max_tokens\":2,\"logprobs\":true,"
                + "\"top_logprobs\":2")).body()).get("choices").get(0).get("logprobs").get("content");
        assertEquals(2, chat.size());
        assertEquals("H", chat.get(0).get("token").asText());
        assertEquals(-0.5, chat.get(0).get("logprob").asDouble());
        assertEquals(List.of(72), List.of(chat.get(0).get("bytes").get(0).asInt()));
        assertEquals("b", chat.get(1).get("top_logprobs").get(1).get("token").asText());
        JsonNode completion = json(client.post("/v1/completions", "{\"model\":\"echo\",\"prompt\":\"x\","
                + "\"max_tokens\":3,\"logprobs\":1}").body()).get("choices").get(0).get("logprobs");
        assertEquals("[\"H\",\"e\",\"l\"]", completion.get("tokens").toString());
        assertEquals("[0,1,2]", completion.get("text_offset").toString());
        assertEquals(-1.0, completion.get("top_logprobs").get(0).get("a").asDouble());
    }

    @Test
    void requestsForMoreChoicesThanTheModelHasSequencesAllFinish() throws Exception {
        TestClient client = start("LLMLB_PARALLEL", "1", "TEST_TOKEN_DELAY_MS", "2");
        var pool = java.util.concurrent.Executors.newFixedThreadPool(3);
        try {
            List<java.util.concurrent.Future<TestClient.Response>> answers = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                answers.add(pool.submit(() -> client.post("/v1/chat/completions", chat(",\"n\":3,\"max_tokens\":4"))));
            }
            for (var answer : answers) {
                TestClient.Response response = answer.get(30, java.util.concurrent.TimeUnit.SECONDS);
                assertEquals(200, response.status(), response.body());
                assertEquals(3, json(response.body()).get("choices").size());
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
