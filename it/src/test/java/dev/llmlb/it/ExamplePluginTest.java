package dev.llmlb.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmlb.testkit.hub.FakeHub;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The two example plugins as a third party builds and installs them: the plugin platform (api, testkit, plugin TCK)
 * is installed with Maven into a local repository of its own, each example is copied out of the repository and
 * built there with Maven (its contract tests included), and the bundles it makes are unpacked into a node's
 * plugins/ folder, where the source downloads a model and the engine answers with it.
 *
 * <p>The local repository is a fresh folder, never the shared one: Maven reads everything else it needs from the
 * shared one through a {@code file://} mirror, so no network is used and nothing is written outside the test's
 * folder.
 */
class ExamplePluginTest {

    private static final List<String> PLATFORM = List.of("platform", "api", "testkit", "plugin-tck");
    private static final List<String> EXAMPLES = List.of("source-http-mirror", "engine-java-llama");
    private static final long BUILD_MINUTES = 5;

    @TempDir
    static Path outside;

    private static Path sourceBundle;
    private static Path engineBundle;

    @BeforeAll
    static void installThePlatformAndBuildTheExamplesOutsideTheTree() throws Exception {
        Path root = Path.of(System.getProperty("llmlb.root", "..")).toAbsolutePath().normalize();
        Path repository = outside.resolve("m2-repository");
        Path settings = outside.resolve("settings.xml");
        Files.writeString(settings, """
                <settings>
                  <mirrors>
                    <mirror>
                      <id>shared-local-repository</id>
                      <mirrorOf>*</mirrorOf>
                      <url>%s</url>
                    </mirror>
                  </mirrors>
                </settings>
                """.formatted(Path.of(System.getProperty("llmlb.m2",
                System.getProperty("user.home") + "/.m2/repository")).toUri()));

        // The platform's modules copied as they are in the repository, under an aggregator of their own: they
        // build without the node's parent.
        Path platform = outside.resolve("platform-src");
        for (String module : PLATFORM) {
            copyTree(root.resolve(module), platform.resolve(module));
        }
        Files.writeString(platform.resolve("pom.xml"), """
                <project xmlns="http://maven.apache.org/POM/4.0.0">
                  <modelVersion>4.0.0</modelVersion>
                  <groupId>test.llmlb</groupId>
                  <artifactId>platform-install</artifactId>
                  <version>1</version>
                  <packaging>pom</packaging>
                  <modules>%s</modules>
                  <build>
                    <pluginManagement>
                      <plugins>
                        <plugin>
                          <groupId>org.apache.maven.plugins</groupId>
                          <artifactId>maven-install-plugin</artifactId>
                          <version>3.1.3</version>
                        </plugin>
                      </plugins>
                    </pluginManagement>
                  </build>
                </project>
                """.formatted(String.join("", PLATFORM.stream().map(m -> "<module>" + m + "</module>").toList())));
        maven(platform, settings, repository, "install", "-DskipTests");

        for (String example : EXAMPLES) {
            Path copy = outside.resolve("elsewhere").resolve(example);
            copyTree(root.resolve("examples").resolve(example), copy);
            assertFalse(Files.readString(copy.resolve("pom.xml")).contains("<parent>"),
                    example + " must build without the repository's parent");
            maven(copy, settings, repository, "verify");
            assertTrue(Files.exists(copy.resolve("target/surefire-reports")), example + " ran its tests");
        }
        sourceBundle = bundle(outside.resolve("elsewhere/source-http-mirror"));
        engineBundle = bundle(outside.resolve("elsewhere/engine-java-llama"));
    }

    @Test
    void bothExamplesBuiltOutsideTheTreeServeAModelInTheNode(@TempDir Path work) throws Exception {
        Path dist = DistNode.copyOfDist(work.resolve("llmlb-node"));
        deleteTree(dist.resolve("plugins/engine-llamacpp")); // so that java_llama is the engine for GGUF
        unzip(sourceBundle, dist.resolve("plugins/http-mirror"));
        unzip(engineBundle, dist.resolve("plugins/java-llama"));
        try (Stream<Path> files = Files.list(dist.resolve("plugins/java-llama"))) {
            List<String> names = files.map(p -> p.getFileName().toString()).toList();
            assertTrue(names.size() == 1 && names.get(0).matches("engine-java-llama-[0-9.]+\\.jar"),
                    "the bundle holds the plugin alone, the api is the node's: " + names);
        }
        try (FakeHub mirror = FakeHub.start()) {
            long size = QuickstartFixture.serveModel(mirror, work);
            Path home = Files.createDirectories(work.resolve("home"));
            Files.writeString(home.resolve("supported_models.json"), """
                    {"models": [{"id": "mirrored", "source": "http_mirror",
                      "repo_id": "%s/%s/resolve/main",
                      "artifacts": [{"filename": "%s", "size_bytes": %d}]}]}
                    """.formatted(mirror.endpoint(), QuickstartFixture.REPO, QuickstartFixture.FILE, size));
            try (DistNode node = DistNode.start(dist, home, Map.of())) {
                JsonNode plugins = node.get("/v0/plugins").json();
                assertEquals(0, plugins.get("failures").size(), plugins.toString());
                JsonNode source = plugin(plugins, "http_mirror");
                JsonNode engine = plugin(plugins, "java_llama");
                assertEquals(dist.resolve("plugins/http-mirror").toString(), source.get("location").asText());
                assertEquals(plugins.get("api_version").asText(), engine.get("api_version").asText(),
                        "built against the api this node has");
                DistNode.Response answer = node.post("/v1/chat/completions", """
                        {"model": "mirrored", "max_tokens": 4, "temperature": 0,
                         "messages": [{"role": "user", "content": "Hi"}]}""");
                assertEquals(200, answer.status(), answer.body());
                assertEquals(4, answer.json().get("usage").get("completion_tokens").asInt(), answer.body());
                JsonNode status = node.get("/v0/models/mirrored/status").json();
                assertEquals("loaded", status.get("status").asText(), status.toString());
                assertEquals("java_llama", status.get("engine").asText(), status.toString());
            }
        }
    }

    private static JsonNode plugin(JsonNode plugins, String name) {
        for (JsonNode plugin : plugins.get("plugins")) {
            if (plugin.get("name").asText().equals(name)) {
                return plugin;
            }
        }
        throw new AssertionError("no plugin " + name + " in " + plugins);
    }

    /** Runs Maven in {@code project} with the test's local repository; fails with the end of its output. */
    private static void maven(Path project, Path settings, Path repository, String... goals) throws Exception {
        String mvn = System.getProperty("llmlb.maven", "mvn");
        List<String> command = new ArrayList<>(List.of(mvn, "-B", "-q", "-s", settings.toString(),
                "-Dmaven.repo.local=" + repository));
        command.addAll(List.of(goals));
        Path log = project.resolve("maven.log");
        Process maven = new ProcessBuilder(command).directory(project.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        if (!maven.waitFor(BUILD_MINUTES, TimeUnit.MINUTES)) {
            maven.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " in " + project + " took over " + BUILD_MINUTES
                    + " minutes:\n" + tail(log));
        }
        assertEquals(0, maven.exitValue(), String.join(" ", command) + " in " + project + " failed:\n" + tail(log));
    }

    private static String tail(Path log) throws IOException {
        List<String> lines = Files.readAllLines(log);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    }

    private static Path bundle(Path project) throws IOException {
        try (Stream<Path> files = Files.list(project.resolve("target"))) {
            return files.filter(p -> p.getFileName().toString().endsWith("-plugin.zip")).findFirst()
                    .orElseThrow(() -> new AssertionError("no plugin bundle in " + project.resolve("target")));
        }
    }

    /** Copies a source tree as a person would hand it on: without what a build left in target/. */
    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path file : files.toList()) {
                Path relative = from.relativize(file);
                if (relative.startsWith("target")) {
                    continue;
                }
                Path target = to.resolve(relative.toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(file, target);
                }
            }
        }
    }

    private static void deleteTree(Path folder) throws IOException {
        try (Stream<Path> files = Files.walk(folder)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(file);
            }
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
}
