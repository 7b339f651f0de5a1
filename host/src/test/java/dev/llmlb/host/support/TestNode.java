package dev.llmlb.host.support;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmlb.host.Node;
import dev.llmlb.host.NodeOptions;
import dev.llmlb.host.json.Json;
import dev.llmlb.host.system.GpuProbe;
import dev.llmlb.testkit.http.TestClient;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A node started in the test's JVM with its own home folder, the test plugins ({@code test_files} source,
 * {@code scripted} engine) in its plugin folder, and settings of the test's choosing.
 */
public final class TestNode implements AutoCloseable {

    private static Path pluginsDir;

    private final Node node;
    private final TestClient client;
    private final Path home;

    private TestNode(Node node, Path home) {
        this.node = node;
        this.home = home;
        this.client = new TestClient(node.port(), "sk_debug");
    }

    /** The test plugins, built once per JVM. */
    public static synchronized Path plugins() {
        if (pluginsDir == null) {
            try {
                pluginsDir = Files.createTempDirectory("llmlb-test-plugins");
                PluginJars.build(PluginJars.sources("scripted"), pluginsDir.resolve("scripted/test-scripted.jar"),
                        List.of());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return pluginsDir;
    }

    /** Settings every test node starts from: a free port, its home, the test plugins. */
    public static Map<String, String> baseSettings(Path home) {
        Map<String, String> settings = new HashMap<>();
        settings.put("LLMLB_HOME", home.toString());
        settings.put("LLMLB_PORT", "0");
        settings.put("LLMLB_PLUGINS_DIR", plugins().toString());
        return settings;
    }

    /** Writes {@code catalogJson} as the home's catalog and starts a node with {@code settings} added. */
    public static TestNode start(Path home, String catalogJson, Map<String, String> settings) {
        return start(home, catalogJson, settings, GpuProbe.none());
    }

    public static TestNode start(Path home, String catalogJson, Map<String, String> settings, GpuProbe gpus) {
        try {
            Files.createDirectories(home);
            if (catalogJson != null) {
                Files.writeString(home.resolve("supported_models.json"), catalogJson);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> env = baseSettings(home);
        env.putAll(settings);
        return new TestNode(Node.start(NodeOptions.of(env, home).withGpus(gpus)), home);
    }

    public Node node() {
        return node;
    }

    public TestClient client() {
        return client;
    }

    public TestClient client(String apiKey) {
        return new TestClient(node.port(), apiKey);
    }

    public Path home() {
        return home;
    }

    public static JsonNode json(String body) {
        try {
            return Json.mapper().readTree(body);
        } catch (IOException e) {
            throw new IllegalStateException("not JSON: " + body, e);
        }
    }

    public JsonNode status(String id) {
        return json(client.get("/v0/models/" + id + "/status").body());
    }

    @Override
    public void close() {
        node.close();
    }
}
