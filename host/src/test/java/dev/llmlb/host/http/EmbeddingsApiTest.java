package dev.llmlb.host.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmlb.host.support.Catalogs;
import dev.llmlb.host.support.TestNode;
import dev.llmlb.testkit.http.TestClient;
import dev.llmlb.testkit.hub.FakeHub;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static dev.llmlb.host.support.TestNode.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code /v1/embeddings} as OpenAI defines it, on the scripted engine: inputs as strings or token ids,
 * {@code dimensions}, limits, and how the model listings and the generation routes treat an embedding model.
 * The scripted model's vector is {@code [length, count of 'a', 1]} (normalised for the embedding-only model).
 */
class EmbeddingsApiTest {

    private final FakeHub hub = FakeHub.start();
    private TestNode node;
    private TestClient client;
    @TempDir
    Path home;

    @BeforeEach
    void start() {
        hub.repo("org/echo").lfsFile("script.txt", "Hello".getBytes());
        hub.repo("org/encoder").lfsFile("script.txt", "EMBED-ONLY".getBytes());
        node = TestNode.start(home, Catalogs.of(Catalogs.scripted("echo", "org/echo", "script.txt", "Hello"),
                        Catalogs.scripted("encoder", "org/encoder", "script.txt", "EMBED-ONLY")),
                Map.of("HF_ENDPOINT", hub.endpoint().toString(), "TEST_CONTEXT", "16"));
        client = node.client();
    }

    @AfterEach
    void stop() {
        node.close();
        hub.close();
    }

    private JsonNode embed(String body) {
        TestClient.Response response = client.post("/v1/embeddings", body);
        assertEquals(200, response.status(), response.body());
        return json(response.body());
    }

    private JsonNode refused(String path, String body, String param) {
        TestClient.Response response = client.post(path, body);
        assertEquals(400, response.status(), response.body());
        JsonNode error = json(response.body()).get("error");
        assertEquals("invalid_request_error", error.get("type").asText());
        assertEquals(param, error.get("param").asText(), error.toString());
        return error;
    }

    @Test
    void tokenArraysEmbedOneOrManyInputs() {
        JsonNode one = embed("{\"model\":\"echo\",\"input\":[97,98,97]}");
        assertEquals(1, one.get("data").size());
        assertEquals(3.0, one.get("data").get(0).get("embedding").get(0).asDouble());
        assertEquals(2.0, one.get("data").get(0).get("embedding").get(1).asDouble());
        assertEquals(3, one.get("usage").get("prompt_tokens").asInt());
        JsonNode many = embed("{\"model\":\"echo\",\"input\":[[97],[1,2,3,4]]}");
        assertEquals(2, many.get("data").size());
        assertEquals(1.0, many.get("data").get(0).get("embedding").get(1).asDouble());
        assertEquals(4.0, many.get("data").get(1).get("embedding").get(0).asDouble());
        assertEquals(1, many.get("data").get(1).get("index").asInt());
    }

    @Test
    void badInputsAre400NamingTheInput() {
        refused("/v1/embeddings", "{\"model\":\"echo\",\"input\":[\"a\",[1]]}", "input[1]");
        refused("/v1/embeddings", "{\"model\":\"echo\",\"input\":[[1],\"a\"]}", "input[1]");
        refused("/v1/embeddings", "{\"model\":\"echo\",\"input\":[[1],[]]}", "input[1]");
        refused("/v1/embeddings", "{\"model\":\"echo\",\"input\":[1,-2]}", "input");
        refused("/v1/embeddings", "{\"model\":\"echo\",\"input\":[]}", "input");
        refused("/v1/embeddings", "{\"model\":\"echo\",\"input\":\"\"}", "input");
        refused("/v1/embeddings", "{\"model\":\"echo\",\"input\":\"x\",\"dimensions\":0}", "dimensions");
        refused("/v1/embeddings", "{\"model\":\"echo\",\"input\":\"x\",\"encoding_format\":\"int8\"}",
                "encoding_format");
    }

    @Test
    void anInputLongerThanTheModelTakesIs400NamingIt() {
        JsonNode error = refused("/v1/embeddings", "{\"model\":\"echo\",\"input\":[\"short\",\""
                + "x".repeat(17) + "\"]}", "input[1]");
        assertEquals("context_length_exceeded", error.get("code").asText());
        assertTrue(error.get("message").asText().contains("at most 16 tokens"), error.toString());
    }

    @Test
    void dimensionsShortenNormalisedVectorsAndAreRefusedForOthers() {
        JsonNode full = embed("{\"model\":\"encoder\",\"input\":\"banana\"}");
        assertEquals(3, full.get("data").get(0).get("embedding").size());
        JsonNode shortened = embed("{\"model\":\"encoder\",\"input\":\"banana\",\"dimensions\":2}");
        JsonNode vector = shortened.get("data").get(0).get("embedding");
        assertEquals(2, vector.size());
        double x = vector.get(0).asDouble();
        double y = vector.get(1).asDouble();
        assertEquals(1.0, Math.hypot(x, y), 1e-6, "normalised again");
        assertEquals(6.0 / 3.0, x / y, 1e-5, "the direction of the leading values is kept");
        JsonNode tooMany = refused("/v1/embeddings", "{\"model\":\"encoder\",\"input\":\"banana\",\"dimensions\":4}",
                "dimensions");
        assertTrue(tooMany.get("message").asText().contains("3 dimensions"), tooMany.toString());
        JsonNode unnormalised = refused("/v1/embeddings",
                "{\"model\":\"echo\",\"input\":\"banana\",\"dimensions\":2}", "dimensions");
        assertTrue(unnormalised.get("message").asText().contains("does not normalise"), unnormalised.toString());
    }

    @Test
    void aChatOrCompletionForAnEmbeddingModelIs400SayingSo() {
        JsonNode chat = refused("/v1/chat/completions", "{\"model\":\"encoder\",\"messages\":[{\"role\":\"user\","
                + "\"content\":\"Hi\"}]}", "model");
        assertEquals("model_not_generative", chat.get("code").asText());
        assertTrue(chat.get("message").asText().contains("embedding model"), chat.toString());
        JsonNode completion = refused("/v1/completions", "{\"model\":\"encoder\",\"prompt\":\"Hi\",\"stream\":true}",
                "model");
        assertEquals("model_not_generative", completion.get("code").asText());
    }

    @Test
    void modelListingsSayWhatEachModelDoesOnceItIsOnDisk() {
        JsonNode before = json(client.get("/v1/models/encoder").body());
        assertFalse(before.has("capabilities"), "not known before the files are there: " + before);
        embed("{\"model\":\"encoder\",\"input\":\"x\"}");
        embed("{\"model\":\"echo\",\"input\":\"x\"}");
        assertEquals("[\"embedding\"]", json(client.get("/v1/models/encoder").body()).get("capabilities").toString());
        JsonNode listed = json(client.get("/v1/models").body()).get("data");
        assertEquals("[\"completion\",\"embedding\"]", listed.get(0).get("capabilities").toString());
        JsonNode supported = json(client.get("/v0/supported-models").body()).get("models");
        assertEquals("[\"embedding\"]", supported.get(1).get("capabilities").toString());
        assertEquals("[\"completion\",\"embedding\"]", supported.get(0).get("capabilities").toString());
    }
}
