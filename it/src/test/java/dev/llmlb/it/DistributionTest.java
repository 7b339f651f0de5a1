package dev.llmlb.it;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The distribution starts from bin/llmlb-node, with its default configuration, and its plugin folders work. */
class DistributionTest {

    @TempDir
    Path home;

    @Test
    void startsWithTheDefaultCatalogAndAnswersModels() throws Exception {
        try (DistNode node = DistNode.start(DistNode.dist(), home, Map.of())) {
            DistNode.Response models = node.get("/v1/models");
            assertEquals(200, models.status(), models.body());
            JsonNode data = models.json().get("data");
            assertEquals("list", models.json().get("object").asText());
            assertTrue(Stream.of("llama-3.2-1b", "qwen2.5-0.5b-instruct", "qwen2.5-0.5b-instruct-onnx")
                    .allMatch(id -> data.findValuesAsText("id").contains(id)), models.body());
            assertTrue(Files.isRegularFile(home.resolve("supported_models.json")),
                    "the default catalog is copied into the home on first start");
            assertTrue(Files.isDirectory(home.resolve("models/.locks")));
            assertEquals(401, node.send(java.net.http.HttpRequest.newBuilder(node.uri("/v1/models")).build())
                    .status());
            assertTrue(node.log().contains("development key 'sk_debug'"), node.log());
            assertEquals(0, node.stop(Duration.ofSeconds(30)), "SIGTERM stops the node cleanly");
        }
    }

    @Test
    void removingAPluginFolderDisablesItAndCopyingItBackEnablesIt(@TempDir Path copy) throws Exception {
        Path dist = DistNode.copyOfDist(copy.resolve("llmlb-node"));
        Path engine = dist.resolve("plugins/engine-llamacpp");
        Path parked = copy.resolve("engine-llamacpp");
        Files.move(engine, parked);
        try (DistNode node = DistNode.start(dist, home, Map.of())) {
            JsonNode model = model(node, "llama-3.2-1b");
            assertFalse(model.get("available").asBoolean(), model.toString());
            assertTrue(model.get("unavailable_reason").asText().contains("'gguf'"), model.toString());
        }
        Files.move(parked, engine);
        try (DistNode node = DistNode.start(dist, home, Map.of())) {
            assertTrue(model(node, "llama-3.2-1b").get("available").asBoolean());
        }
    }

    @Test
    void pluginsOnTheModulePathAreFoundToo(@TempDir Path copy) throws Exception {
        Path dist = DistNode.copyOfDist(copy.resolve("llmlb-node"));
        Path folder = dist.resolve("plugins/source-hf-gguf");
        try (Stream<Path> jars = Files.list(folder)) {
            for (Path jar : jars.filter(p -> p.toString().endsWith(".jar")).toList()) {
                Files.move(jar, dist.resolve("lib").resolve(jar.getFileName()));
            }
        }
        try (Stream<Path> rest = Files.walk(folder)) {
            rest.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        try (DistNode node = DistNode.start(dist, home, Map.of())) {
            JsonNode plugins = node.get("/v0/plugins").json().get("plugins");
            JsonNode gguf = null;
            for (JsonNode plugin : plugins) {
                if (plugin.get("name").asText().equals("hf_gguf")) {
                    gguf = plugin;
                }
            }
            assertTrue(gguf != null, plugins.toString());
            assertEquals("module path", gguf.get("location").asText());
        }
    }

    private static JsonNode model(DistNode node, String id) {
        for (JsonNode model : node.get("/v0/supported-models").json().get("models")) {
            if (model.get("id").asText().equals(id)) {
                return model;
            }
        }
        throw new AssertionError("no model " + id);
    }
}
