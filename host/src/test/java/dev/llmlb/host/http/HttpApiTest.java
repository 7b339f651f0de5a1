package dev.llmlb.host.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmlb.host.support.Catalogs;
import dev.llmlb.host.support.TestNode;
import dev.llmlb.testkit.hub.FakeHub;
import dev.llmlb.testkit.http.TestClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static dev.llmlb.host.support.TestNode.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The HTTP surface: keys on every API route, and every error in OpenAI's shape with the right status. */
class HttpApiTest {

    @TempDir
    static Path home;
    private static FakeHub hub;
    private static TestNode node;

    private static final List<String[]> API_ROUTES = List.of(
            new String[] {"GET", "/v1/models"},
            new String[] {"GET", "/v1/models/echo"},
            new String[] {"POST", "/v1/chat/completions"},
            new String[] {"POST", "/v1/completions"},
            new String[] {"POST", "/v1/embeddings"},
            new String[] {"GET", "/v0/supported-models"},
            new String[] {"GET", "/v0/models/echo/status"},
            new String[] {"POST", "/v0/models/echo/pull"},
            new String[] {"DELETE", "/v0/models/echo"},
            new String[] {"GET", "/v0/plugins"},
            new String[] {"GET", "/v0/health"},
            new String[] {"GET", "/v0/system"},
            new String[] {"GET", "/v1/no-such-route"},
            new String[] {"GET", "/v0/no-such-route"});

    @BeforeAll
    static void start() {
        hub = FakeHub.start();
        hub.repo("org/echo").lfsFile("script.txt", "Hello world!".getBytes());
        node = TestNode.start(home, Catalogs.of(Catalogs.scripted("echo", "org/echo", "script.txt", "Hello world!")),
                Map.of("HF_ENDPOINT", hub.endpoint().toString(), "LLMLB_MAX_BODY_BYTES", "4KiB"));
    }

    @AfterAll
    static void stop() {
        node.close();
        hub.close();
    }

    private static HttpRequest.Builder request(TestClient client, String method, String path) {
        return client.request(path).method(method, method.equals("POST")
                ? HttpRequest.BodyPublishers.ofString("{}") : HttpRequest.BodyPublishers.noBody());
    }

    private static void assertError(TestClient.Response response, int status, String type, String code) {
        assertEquals(status, response.status(), response.body());
        JsonNode error = json(response.body()).get("error");
        assertEquals(type, error.get("type").asText(), response.body());
        assertEquals(code, error.get("code").asText(), response.body());
        assertTrue(error.has("message") && error.has("param"), response.body());
        assertFalse(response.body().contains("\tat "), "no stack trace: " + response.body());
    }

    @Test
    void everyApiRouteRefusesAMissingOrWrongKey() {
        for (String[] route : API_ROUTES) {
            TestClient.Response none = node.client(null).send(request(node.client(null), route[0], route[1]));
            assertError(none, 401, "invalid_request_error", "missing_api_key");
            TestClient.Response wrong = node.client("sk_wrong").send(request(node.client("sk_wrong"), route[0],
                    route[1]));
            assertError(wrong, 401, "invalid_request_error", "invalid_api_key");
        }
    }

    @Test
    void theKeyIsAcceptedAsBearerOrXApiKey() {
        assertEquals(200, node.client().get("/v1/models").status());
        TestClient bare = node.client(null);
        assertEquals(200, bare.send(bare.request("/v1/models").header("X-API-Key", "sk_debug").GET()).status());
    }

    @Test
    void logLinesOfARequestCarryItsId() {
        java.util.List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
        dev.llmlb.host.LogFormat format = new dev.llmlb.host.LogFormat();
        java.util.logging.Handler handler = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord record) {
                lines.add(format.format(record).strip());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        java.util.logging.Logger.getLogger("").addHandler(handler);
        try {
            TestClient client = node.client();
            TestClient.Response response = client.send(client.request("/v1/models/nope").header("X-Request-Id",
                    "trace-42").GET());
            assertEquals("trace-42", response.header("X-Request-Id").orElseThrow());
            // The access line is written after the answer is sent.
            dev.llmlb.host.support.Wait.until("the access line", java.time.Duration.ofSeconds(5),
                    () -> lines.stream().anyMatch(l -> l.contains("GET /v1/models/nope 404")));
        } finally {
            java.util.logging.Logger.getLogger("").removeHandler(handler);
        }
        assertTrue(lines.stream().anyMatch(l -> l.contains("[INFO] GET /v1/models/nope 404")
                && l.endsWith("[trace-42]")), lines.toString());
    }

    @Test
    void healthAndReadinessNeedNoKey() {
        TestClient bare = node.client(null);
        assertEquals("ok", json(bare.get("/health").body()).get("status").asText());
        assertEquals("ready", json(bare.get("/ready").body()).get("status").asText());
    }

    @Test
    void healthAndSystemDescribeTheNodeForALoadBalancer() {
        TestClient.Response health = node.client().get("/v0/health");
        assertEquals(200, health.status());
        JsonNode body = json(health.body());
        assertEquals("online", body.get("status").asText());
        assertTrue(body.get("ready").asBoolean());
        for (String field : List.of("requests", "loaded_models", "memory", "gpus", "uptime_seconds")) {
            assertTrue(body.has(field), field + " in " + body);
        }
        assertTrue(body.get("memory").get("total_bytes").asLong() > 0);
        assertTrue(health.header("X-Llmlb-Node").orElseThrow().endsWith(":" + node.node().port()));
        JsonNode system = json(node.client().get("/v0/system").body());
        assertTrue(system.get("cpu_cores").asInt() >= 1);
        assertEquals("scripted", system.get("engines").get(0).get("name").asText());
        assertEquals("test_files", system.get("sources").get(0).asText());
    }

    @Test
    void modelsAreListedInOpenAisShapes() {
        JsonNode list = json(node.client().get("/v1/models").body());
        assertEquals("list", list.get("object").asText());
        JsonNode model = list.get("data").get(0);
        assertEquals("echo", model.get("id").asText());
        assertEquals("model", model.get("object").asText());
        assertEquals("org", model.get("owned_by").asText());
        assertTrue(model.get("created").isNumber());
        JsonNode one = json(node.client().get("/v1/models/echo").body());
        assertEquals("echo", one.get("id").asText());
        assertError(node.client().get("/v1/models/nope"), 404, "invalid_request_error", "model_not_found");
        JsonNode supported = json(node.client().get("/v0/supported-models").body()).get("models").get(0);
        for (String field : List.of("id", "name", "source", "repo_id", "required_vram_mb", "tags", "is_local",
                "available")) {
            assertTrue(supported.has(field), field + " in " + supported);
        }
        assertTrue(supported.get("available").asBoolean());
    }

    @Test
    void badChatBodiesAre400WithTheParam() {
        TestClient client = node.client();
        assertParam(client.post("/v1/chat/completions", "{\"model\": \"echo\", \"messages\": [}"), null,
                "invalid_json");
        assertParam(client.post("/v1/chat/completions", "[1, 2]"), null, "invalid_value");
        assertParam(client.post("/v1/chat/completions", "{\"messages\": [{\"role\":\"user\",\"content\":\"hi\"}]}"),
                "model", "invalid_value");
        assertParam(client.post("/v1/chat/completions", "{\"model\": \"echo\"}"), "messages", "invalid_value");
        assertParam(client.post("/v1/chat/completions", "{\"model\": \"echo\", \"messages\": \"hi\"}"), "messages",
                "invalid_value");
        assertParam(client.post("/v1/chat/completions", "{\"model\": 7, \"messages\": []}"), "model",
                "invalid_value");
        assertParam(client.post("/v1/chat/completions",
                "{\"model\": \"echo\", \"messages\": [{\"role\": \"wizard\", \"content\": \"hi\"}]}"),
                "messages[0].role", "invalid_value");
        assertParam(client.post("/v1/chat/completions",
                "{\"model\": \"echo\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"temperature\": \"hot\"}"),
                "temperature", "invalid_value");
        assertParam(client.post("/v1/chat/completions",
                "{\"model\": \"echo\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"max_tokens\": 0}"),
                "max_tokens", "invalid_value");
        assertParam(client.post("/v1/chat/completions",
                "{\"model\": \"echo\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"n\": 129}"),
                "n", "invalid_value");
        assertParam(client.post("/v1/chat/completions",
                "{\"model\": \"echo\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"frobnicate\": 1}"),
                "frobnicate", "unsupported_parameter");
        assertParam(client.post("/v1/chat/completions",
                "{\"model\": \"echo\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"response_format\": "
                        + "{\"type\": \"json_schema\", \"json_schema\": {\"name\": \"x\", \"schema\": {\"type\": \"object\", "
                        + "\"properties\": {\"a\": {\"type\": \"string\", \"pattern\": \"b+\"}}}}}}"),
                "response_format.json_schema.schema.properties.a.pattern", "unsupported_parameter");
        assertParam(client.post("/v1/chat/completions",
                "{\"model\": \"echo\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"tool_choice\": \"required\"}"),
                "tool_choice", "invalid_value");
        assertParam(client.post("/v1/chat/completions",
                "{\"model\": \"echo\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"top_logprobs\": 2}"),
                "top_logprobs", "invalid_value");
        assertParam(client.post("/v1/chat/completions",
                "{\"model\": \"echo\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"logit_bias\": {\"x\": 1}}"),
                "logit_bias", "invalid_value");
        assertParam(client.post("/v1/chat/completions",
                "{\"model\": \"echo\", \"messages\": [{\"role\": \"tool\", \"content\": \"sunny\"}]}"),
                "messages[0].tool_call_id", "invalid_value");
        assertParam(client.post("/v1/chat/completions",
                "{\"model\": \"echo\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"stop\": [\"a\",\"b\",\"c\",\"d\",\"e\"]}"),
                "stop", "invalid_value");
    }

    private static void assertParam(TestClient.Response response, String param, String code) {
        assertError(response, 400, "invalid_request_error", code);
        JsonNode error = json(response.body()).get("error");
        assertEquals(param == null ? "null" : param, error.get("param").isNull() ? "null" : error.get("param").asText(),
                response.body());
    }

    @Test
    void anUnknownModelGetsTheQuickstartsMessage() {
        TestClient.Response response = node.client().post("/v1/chat/completions",
                "{\"model\": \"unknown-model\", \"messages\": [{\"role\": \"user\", \"content\": \"Hello\"}]}");
        assertError(response, 404, "invalid_request_error", "model_not_found");
        assertEquals("Model 'unknown-model' is not supported. Check supported_models.json.",
                json(response.body()).get("error").get("message").asText());
    }

    @Test
    void unknownRoutesAre404AndWrongMethods405() {
        assertError(node.client().get("/v1/nothing/here"), 404, "invalid_request_error", "unknown_url");
        assertError(node.client(null).get("/nothing"), 404, "invalid_request_error", "unknown_url");
        TestClient.Response wrongMethod = node.client().get("/v1/chat/completions");
        assertError(wrongMethod, 405, "invalid_request_error", "method_not_allowed");
        assertEquals("POST", wrongMethod.header("Allow").orElseThrow());
        assertError(node.client().delete("/v1/models"), 405, "invalid_request_error", "method_not_allowed");
    }

    @Test
    void anOversizedBodyIs413() {
        String big = "{\"model\":\"echo\",\"messages\":[{\"role\":\"user\",\"content\":\"" + "x".repeat(5000) + "\"}]}";
        assertError(node.client().post("/v1/chat/completions", big), 413, "invalid_request_error",
                "request_too_large");
    }

    @Test
    void anUnexpectedEngineFailureIs500WithARequestIdAndNoStackTrace() {
        TestClient.Response response = node.client().post("/v1/chat/completions",
                "{\"model\": \"echo\", \"messages\": [{\"role\": \"user\", \"content\": \"BOOM\"}]}");
        assertError(response, 500, "server_error", "engine_error");
        String requestId = response.header("X-Request-Id").orElseThrow();
        assertTrue(json(response.body()).get("error").get("message").asText().contains(requestId));
    }
}
