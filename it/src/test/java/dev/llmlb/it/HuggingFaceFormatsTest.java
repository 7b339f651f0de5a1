package dev.llmlb.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmlb.testkit.hub.FakeHub;
import dev.llmlb.testkit.http.TestClient;
import dev.llmlb.testkit.models.GgufWriter;
import dev.llmlb.testkit.models.OnnxWriter;
import dev.llmlb.testkit.models.SafetensorsWriter;
import dev.llmlb.testkit.models.TinyLlamaConfig;
import dev.llmlb.testkit.models.TinyLlamaWeights;
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
 * {@code hf_safetensors} and {@code hf_onnx} models through the distribution: from an empty models folder to a
 * streamed chat answer (engine-djl for a single-file and a sharded safetensors repository, engine-onnx for an export
 * with external data), and clear refusals of an architecture and of a graph no engine runs.
 */
class HuggingFaceFormatsTest {

    @TempDir
    static Path work;
    private static FakeHub hub;
    private static DistNode node;

    @BeforeAll
    static void start() throws Exception {
        hub = FakeHub.start();
        TinyLlamaWeights weights = TinyLlamaWeights.generate(TinyLlamaConfig.tiny()).withoutEndOfSequence();
        hub.repo("org/tiny-llama").folder(new SafetensorsWriter(weights).writeRepo(work.resolve("single")));
        hub.repo("org/tiny-llama-sharded")
                .folder(new SafetensorsWriter(weights).shards(3).writeRepo(work.resolve("sharded")));
        Path gpt2 = new SafetensorsWriter(weights).writeRepo(work.resolve("gpt2"));
        Files.writeString(gpt2.resolve("config.json"), Files.readString(gpt2.resolve("config.json"))
                .replace("LlamaForCausalLM", "GPT2LMHeadModel"));
        hub.repo("org/tiny-gpt2").folder(gpt2);
        new OnnxWriter(weights).externalData(true).writeRepo(work.resolve("onnx"));
        hub.repo("onnx-community/tiny").folder(work.resolve("onnx"));
        new OnnxWriter(weights).signature(OnnxWriter.Signature.standard().withPastKeyValues(false))
                .writeRepo(work.resolve("onnx-no-cache"));
        hub.repo("onnx-community/tiny-no-cache").folder(work.resolve("onnx-no-cache"));
        hub.repo("org/tiny-llama-gguf").lfsFile("tiny.gguf", new GgufWriter(weights).write(work.resolve("tiny.gguf")));
        Path home = work.resolve("home");
        Files.createDirectories(home);
        Files.writeString(home.resolve("supported_models.json"), """
                {"models": [
                  {"id": "tiny-safetensors", "source": "hf_safetensors", "repo_id": "org/tiny-llama"},
                  {"id": "tiny-sharded", "source": "hf_safetensors", "repo_id": "org/tiny-llama-sharded"},
                  {"id": "tiny-gpt2", "source": "hf_safetensors", "repo_id": "org/tiny-gpt2"},
                  {"id": "tiny-onnx", "source": "hf_onnx", "repo_id": "onnx-community/tiny"},
                  {"id": "tiny-onnx-no-cache", "source": "hf_onnx", "repo_id": "onnx-community/tiny-no-cache"},
                  {"id": "tiny-gguf", "source": "hf_gguf", "repo_id": "org/tiny-llama-gguf"}
                ]}""");
        // libtorch (about 432 MB) is extracted once per machine, not once per test home.
        Path djlCache = Path.of(System.getProperty("user.home"), ".djl.ai");
        node = DistNode.start(DistNode.dist(), home, Map.of("HF_ENDPOINT", hub.endpoint().toString(),
                "DJL_CACHE_DIR", djlCache.toString()));
    }

    @AfterAll
    static void stop() {
        node.close();
        hub.close();
        // Every engine loaded its natives by now: bin/llmlb-node grants each module that does native access.
        assertFalse(node.log().contains("restricted method"), node.log());
    }

    private static List<String> streamedChat(String model) {
        TestClient client = new TestClient(node.port(), "sk_debug");
        try (TestClient.EventStream stream = client.stream("/v1/chat/completions", "{\"model\":\"" + model
                + "\",\"stream\":true,\"max_tokens\":8,\"messages\":[{\"role\":\"user\",\"content\":\"Hello!\"}]}",
                null)) {
            assertEquals(200, stream.status());
            return stream.rest();
        }
    }

    @Test
    void aSingleFileRepositoryDownloadsLoadsAndStreams() {
        List<String> events = streamedChat("tiny-safetensors");
        assertEquals("[DONE]", events.get(events.size() - 1), events.toString());
        JsonNode status = node.get("/v0/models/tiny-safetensors/status").json();
        assertEquals("loaded", status.get("status").asText());
        assertEquals("djl", status.get("engine").asText());
    }

    @Test
    void aShardedRepositoryWorksToo() {
        List<String> events = streamedChat("tiny-sharded");
        assertEquals("[DONE]", events.get(events.size() - 1), events.toString());
        assertEquals(3, hub.requestLog().stream().filter(r -> r.server().equals("cdn")
                && r.path().contains("tiny-llama-sharded") && r.path().endsWith(".safetensors")).count());
    }

    @Test
    void anOnnxExportWithExternalDataDownloadsLoadsAndStreams() {
        List<String> events = streamedChat("tiny-onnx");
        assertEquals("[DONE]", events.get(events.size() - 1), events.toString());
        JsonNode status = node.get("/v0/models/tiny-onnx/status").json();
        assertEquals("loaded", status.get("status").asText());
        assertEquals("onnx", status.get("engine").asText());
        assertTrue(hub.requestLog().stream().anyMatch(r -> r.path().endsWith("onnx/model.onnx_data")));
    }

    /**
     * One set of weights in three formats, three engines (llama.cpp, DJL, ONNX Runtime), one greedy text: the
     * engines' own tests compare each with the reference; this is what a client of the node sees.
     */
    @Test
    void theThreeEnginesWriteTheSameGreedyTextForTheSameWeights() {
        List<String> texts = Stream.of("tiny-gguf", "tiny-safetensors", "tiny-onnx").map(model -> {
            DistNode.Response answer = node.post("/v1/completions", "{\"model\":\"" + model
                    + "\",\"prompt\":\"Once upon a time\",\"max_tokens\":32,\"temperature\":0}");
            assertEquals(200, answer.status(), model + ": " + answer.body());
            assertEquals(32, answer.json().get("usage").get("completion_tokens").asInt(), model);
            return answer.json().get("choices").get(0).get("text").asText();
        }).toList();
        assertFalse(texts.get(0).isBlank());
        assertEquals(texts.get(0), texts.get(1), "llama.cpp and DJL");
        assertEquals(texts.get(0), texts.get(2), "llama.cpp and ONNX Runtime");
    }

    @Test
    void aGraphWithoutTheDecoderSignatureFailsClearly() {
        DistNode.Response answer = node.post("/v1/chat/completions",
                "{\"model\":\"tiny-onnx-no-cache\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello!\"}]}");
        assertTrue(answer.status() >= 500, answer.body());
        String message = answer.json().get("error").get("message").asText();
        assertTrue(message.contains("past_key_values"), message);
    }

    @Test
    void anArchitectureNoEngineRunsIsRefusedClearly() {
        DistNode.Response answer = node.post("/v1/chat/completions",
                "{\"model\":\"tiny-gpt2\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello!\"}]}");
        assertEquals(503, answer.status(), answer.body());
        JsonNode error = answer.json().get("error");
        assertEquals("model_unsupported", error.get("code").asText());
        assertTrue(error.get("message").asText().contains("GPT2LMHeadModel"), error.toString());
        JsonNode listed = node.get("/v0/supported-models").json().get("models").get(2);
        assertEquals(false, listed.get("available").asBoolean());
        assertTrue(listed.get("unavailable_reason").asText().contains("GPT2LMHeadModel"));
        assertTrue(node.log().lines().anyMatch(l -> l.contains("[WARN] Model tiny-gpt2 is on disk but unavailable")
                && l.contains("GPT2LMHeadModel")), "a warning names the architecture");
    }
}
