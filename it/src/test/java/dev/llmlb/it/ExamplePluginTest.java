package dev.llmlb.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmlb.testkit.hub.FakeHub;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A third-party plugin installed the documented way, by unpacking its bundle into a folder under plugins/: the
 * node finds it, and a model of its source downloads and answers.
 */
class ExamplePluginTest {

    @TempDir
    Path work;

    private static Path bundle() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("..", "examples", "source-http-mirror", "target"))) {
            return files.filter(p -> p.getFileName().toString().endsWith("-plugin.zip")).findFirst().orElseThrow();
        }
    }

    private static void unzip(Path zip, Path folder) throws IOException {
        Files.createDirectories(folder);
        try (InputStream raw = Files.newInputStream(zip); ZipInputStream in = new ZipInputStream(raw)) {
            for (ZipEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
                Path target = folder.resolve(entry.getName()).normalize();
                if (!target.startsWith(folder)) {
                    throw new IOException("unsafe entry " + entry.getName());
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(target);
                } else {
                    Files.createDirectories(target.getParent());
                    Files.copy(in, target);
                }
            }
        }
    }

    @Test
    void aDroppedInSourcePluginServesItsModels() throws Exception {
        Path dist = DistNode.copyOfDist(work.resolve("llmlb-node"));
        unzip(bundle(), dist.resolve("plugins/http-mirror"));
        try (FakeHub mirror = FakeHub.start()) {
            long size = QuickstartFixture.serveModel(mirror, work);
            Path home = work.resolve("home");
            Files.createDirectories(home);
            Files.writeString(home.resolve("supported_models.json"), """
                    {"models": [{"id": "mirrored", "source": "http_mirror",
                      "repo_id": "%s/%s/resolve/main",
                      "artifacts": [{"filename": "%s", "size_bytes": %d}]}]}
                    """.formatted(mirror.endpoint(), QuickstartFixture.REPO, QuickstartFixture.FILE, size));
            try (DistNode node = DistNode.start(dist, home, Map.of())) {
                JsonNode plugins = node.get("/v0/plugins").json();
                assertTrue(plugins.toString().contains("\"name\":\"http_mirror\""), plugins.toString());
                assertTrue(plugins.toString().contains(dist.resolve("plugins/http-mirror").toString()));
                DistNode.Response answer = node.post("/v1/chat/completions",
                        "{\"model\":\"mirrored\",\"max_tokens\":4,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
                assertEquals(200, answer.status(), answer.body());
                assertEquals("loaded", node.get("/v0/models/mirrored/status").json().get("status").asText());
            }
        }
    }
}
