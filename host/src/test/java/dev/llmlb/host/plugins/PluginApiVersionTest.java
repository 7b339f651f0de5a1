package dev.llmlb.host.plugins;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmlb.api.PluginContext;
import dev.llmlb.host.json.Json;
import dev.llmlb.host.support.LogCapture;
import dev.llmlb.host.support.PluginJars;
import dev.llmlb.host.support.TestNode;
import dev.llmlb.testkit.http.TestClient;
import dev.llmlb.testkit.tck.TestPluginContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.module.ModuleDescriptor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Plugins compiled against other releases of the api, as real jars: the node loads one built for its api or an
 * older minor version, and refuses one built for another major version, a newer minor one, or no stated version,
 * each with its reason in the failures and one line in the log.
 */
class PluginApiVersionTest {

    private static final PluginContext CONTEXT = TestPluginContext.in(Path.of(System.getProperty("java.io.tmpdir")));
    /** This build's api version, which the node checks against. */
    private static final ModuleDescriptor.Version API =
            PluginContext.class.getModule().getDescriptor().version().orElseThrow();
    private static final int MAJOR = Integer.parseInt(API.toString().split("\\.")[0]);
    private static final int MINOR = Integer.parseInt(API.toString().split("\\.")[1]);

    @TempDir
    static Path apis;

    @TempDir
    Path plugins;

    @BeforeAll
    static void theBuildsApiHasAVersion() {
        assertTrue(API.toString().matches("\\d+\\.\\d+\\.\\d+.*"), API.toString());
    }

    /** Installs the {@code versioned} test source compiled against the api stamped {@code version}. */
    private Path installBuiltFor(String folder, String version) {
        Path api = apis.resolve(version + "/llmlb-api.jar");
        if (!Files.exists(api)) {
            PluginJars.apiJar(api, version);
        }
        Path dir = plugins.resolve(folder);
        PluginJars.build(PluginJars.sources("versioned"), dir.resolve("versioned.jar"), List.of(), api);
        return dir;
    }

    private static PluginFailure failureOf(PluginRegistry registry, Path folder) {
        return registry.failures().stream().filter(f -> f.location().equals(folder.toString())).findFirst()
                .orElseThrow(() -> new AssertionError("no failure for " + folder + " in " + registry.failures()));
    }

    @Test
    void aPluginBuiltForThisApiLoadsAndSaysSo() {
        Path dir = plugins.resolve("versioned");
        PluginJars.build(PluginJars.sources("versioned"), dir.resolve("versioned.jar"), List.of());
        try (PluginRegistry registry = PluginRegistry.load(Optional.of(plugins), CONTEXT)) {
            assertEquals(List.of(), registry.failures());
            PluginInfo info = registry.plugins().stream().filter(p -> p.name().equals("versioned")).findFirst()
                    .orElseThrow();
            assertEquals(API.toString(), info.apiVersion());
            assertEquals(API.toString(), registry.report().apiVersion());
        }
    }

    @Test
    void aPluginBuiltForAnotherMajorVersionIsRefusedWithItsReasonAndOneLogLine() {
        Path newer = installBuiltFor("next-major", (MAJOR + 1) + ".0.0");
        Path older = installBuiltFor("old-major", (MAJOR - 1) + ".9.0");
        try (LogCapture log = new LogCapture();
             PluginRegistry registry = PluginRegistry.load(Optional.of(plugins), CONTEXT)) {
            assertTrue(registry.source("versioned").isEmpty(), registry.plugins().toString());
            String reason = failureOf(registry, newer).reason();
            assertTrue(reason.contains("test.versioned was built for api " + (MAJOR + 1) + ".0.0"), reason);
            assertTrue(reason.contains("this node's api is " + API), reason);
            assertTrue(reason.contains("another major version is incompatible"), reason);
            assertTrue(failureOf(registry, older).reason().contains("built for api " + (MAJOR - 1) + ".9.0"));
            List<String> lines = log.matching(newer.toString());
            assertEquals(1, lines.size(), lines.toString());
            assertTrue(lines.get(0).startsWith("[SEVERE]") && lines.get(0).contains(reason), lines.get(0));
        }
    }

    @Test
    void aPluginBuiltForANewerMinorVersionIsRefused() {
        Path dir = installBuiltFor("next-minor", MAJOR + "." + (MINOR + 1) + ".0");
        try (PluginRegistry registry = PluginRegistry.load(Optional.of(plugins), CONTEXT)) {
            assertTrue(registry.source("versioned").isEmpty());
            String reason = failureOf(registry, dir).reason();
            assertTrue(reason.contains("built for api " + MAJOR + "." + (MINOR + 1) + ".0, newer than this node's api "
                    + API), reason);
        }
    }

    @Test
    void aPluginBuiltForAnOlderMinorOrAnotherPatchLoads() {
        installBuiltFor("same-minor", MAJOR + "." + MINOR + ".99");
        ApiCompatibility newerNode = ApiCompatibility.forNodeVersion(Optional.of(MAJOR + "." + (MINOR + 3) + ".1"));
        try (PluginRegistry registry = PluginRegistry.load(Optional.of(plugins), CONTEXT, newerNode)) {
            assertEquals(List.of(), registry.failures());
            assertEquals(MAJOR + "." + MINOR + ".99", registry.plugins().stream()
                    .filter(p -> p.name().equals("versioned")).findFirst().orElseThrow().apiVersion());
        }
    }

    @Test
    void aPluginThatStatesNoVersionIsRefusedWithWhatToDo() {
        Path dir = plugins.resolve("automatic");
        PluginJars.build(PluginJars.sources("automatic"), dir.resolve("automatic.jar"), List.of());
        try (PluginRegistry registry = PluginRegistry.load(Optional.of(plugins), CONTEXT)) {
            assertTrue(registry.source("automatic").isEmpty(), registry.plugins().toString());
            String reason = failureOf(registry, dir).reason();
            assertTrue(reason.contains("states no api version: it is a jar without module-info.class"), reason);
            assertTrue(reason.contains("build it as a named module requiring dev.llmlb.api"), reason);
        }
    }

    @Test
    void getV0PluginsListsTheRefusedPluginWithItsReasonAndTheNodesApi(@TempDir Path home) throws IOException {
        Path folder = installBuiltFor("next-major", (MAJOR + 1) + ".0.0");
        Path scripted = plugins.resolve("scripted");
        Files.createDirectories(scripted);
        try (var jars = Files.list(TestNode.plugins().resolve("scripted"))) {
            for (Path jar : jars.toList()) {
                Files.copy(jar, scripted.resolve(jar.getFileName()));
            }
        }
        try (TestNode node = TestNode.start(home, "{\"models\": []}",
                Map.of("LLMLB_PLUGINS_DIR", plugins.toString()))) {
            TestClient.Response response = node.client().get("/v0/plugins");
            assertEquals(200, response.status(), response.body());
            JsonNode body = Json.mapper().readTree(response.body());
            assertEquals(API.toString(), body.get("api_version").asText());
            JsonNode failure = body.get("failures").get(0);
            assertEquals(folder.toString(), failure.get("location").asText());
            assertTrue(failure.get("reason").asText().contains("was built for api " + (MAJOR + 1) + ".0.0"),
                    failure.toString());
            assertEquals(1, body.get("failures").size(), body.toString());
            JsonNode engine = body.get("plugins").findParents("name").stream()
                    .filter(p -> p.get("name").asText().equals("scripted")).findFirst().orElseThrow();
            assertEquals(API.toString(), engine.get("api_version").asText(), engine.toString());
        }
    }
}
