package dev.llmlb.it;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code llmlb-node demo} answers the quickstart's call with no network and says its model writes random text. */
class DemoTest {

    @TempDir
    Path home;

    @Test
    void theDemoAnswersTheQuickstartsCallOffline() throws Exception {
        try (DistNode demo = DistNode.start(DistNode.dist(), home, Map.of("LLMLB_HOME", home.toString()), "demo")) {
            assertTrue(demo.awaitLog("RANDOM").contains("RANDOM"), demo.log());
            assertTrue(demo.log().contains("curl -X POST http://localhost:" + demo.port() + "/v1/chat/completions"));
            DistNode.Response answer = demo.post("/v1/chat/completions",
                    "{\"model\": \"llama-3.2-1b\", \"messages\": [{\"role\": \"user\", \"content\": \"Hello!\"}]}");
            assertEquals(200, answer.status(), answer.body());
            assertTrue(answer.json().get("choices").get(0).get("message").get("content").isTextual());
            assertTrue(demo.log().contains("Download completed: llama-3.2-1b"));
            assertTrue(demo.log().contains("Model loaded successfully"));
            JsonNode status = demo.get("/v0/models/llama-3.2-1b/status").json();
            assertEquals("loaded", status.get("status").asText());
        }
    }

    @Test
    void theDemoServesTheSameTinyModelInEveryInstalledFormat() throws Exception {
        // libtorch is extracted once per machine, not once per test home.
        String djlCache = Path.of(System.getProperty("user.home"), ".djl.ai").toString();
        try (DistNode demo = DistNode.start(DistNode.dist(), home, Map.of("LLMLB_HOME", home.toString(),
                "DJL_CACHE_DIR", djlCache), "demo")) {
            String models = "llama-3.2-1b (gguf), demo-safetensors (safetensors), demo-onnx (onnx)";
            assertTrue(demo.awaitLog(models).contains(models), demo.log());
            for (String model : List.of("demo-safetensors", "demo-onnx")) {
                DistNode.Response answer = demo.post("/v1/chat/completions", "{\"model\": \"" + model
                        + "\", \"max_tokens\": 4, \"messages\": [{\"role\": \"user\", \"content\": \"Hello!\"}]}");
                assertEquals(200, answer.status(), model + ": " + answer.body());
                assertEquals(model, answer.json().get("model").asText());
            }
        }
    }
}
