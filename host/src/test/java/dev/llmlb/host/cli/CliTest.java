package dev.llmlb.host.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmlb.host.NodeOptions;
import dev.llmlb.host.support.Catalogs;
import dev.llmlb.host.support.TestNode;
import dev.llmlb.testkit.hub.FakeHub;
import dev.llmlb.testkit.hub.Fault;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static dev.llmlb.host.support.TestNode.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code llmlb-node pull|list|status|rm|plugins}: output and exit codes, with and without a running node. */
class CliTest {

    private static final byte[] MODEL = ("Hello from the CLI. " + "z".repeat(3_000_000)).getBytes(StandardCharsets.UTF_8);
    private final FakeHub hub = FakeHub.start();
    @TempDir
    Path home;
    private Map<String, String> settings;
    private TestNode node;

    @BeforeEach
    void catalog() throws Exception {
        hub.repo("org/echo").lfsFile("script.txt", MODEL);
        settings = TestNode.baseSettings(home);
        settings.put("HF_ENDPOINT", hub.endpoint().toString());
        Files.writeString(home.resolve("supported_models.json"),
                Catalogs.of(Catalogs.scripted("echo", "org/echo", "script.txt", MODEL)));
    }

    @AfterEach
    void stop() {
        if (node != null) {
            node.close();
        }
        hub.close();
    }

    /** What a run printed and returned. */
    private record Run(int code, String out, String err) {
    }

    private Run cli(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Cli.run(args, NodeOptions.of(settings, home), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), false);
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void helpAndBadUsage() {
        Run help = cli("--help");
        assertEquals(Cli.OK, help.code());
        assertTrue(help.out().contains("pull <model-id>"), help.out());
        assertEquals(Cli.USAGE, cli("fly").code());
        assertEquals(Cli.USAGE, cli("list", "--frobnicate").code());
        assertEquals(Cli.USAGE, cli("pull").code());
        Run none = cli();
        assertEquals(Cli.USAGE, none.code());
        assertTrue(none.err().contains("Try 'llmlb-node --help'"));
    }

    @Test
    void withoutANodePullListStatusAndRmWorkOnTheModelsFolder() {
        Run before = cli("list");
        assertEquals(Cli.OK, before.code());
        assertTrue(before.out().lines().anyMatch(l -> l.startsWith("echo") && l.contains("not_downloaded")),
                before.out());

        hub.fault("org/echo", "script.txt", Fault.throttle(4_000_000));
        Run pull = cli("pull", "echo");
        assertEquals(Cli.OK, pull.code(), pull.err());
        assertTrue(pull.out().contains("downloading 100% (3.0 MB / 3.0 MB)"), pull.out());
        assertTrue(pull.out().contains("echo is local at " + home.resolve("models/echo")), pull.out());
        assertFalse(pull.out().contains("\r"), "plain output when not on a terminal");

        Run list = cli("list");
        assertTrue(list.out().lines().anyMatch(l -> l.startsWith("echo") && l.contains("local")
                && l.contains("3.0 MB")), list.out());
        JsonNode status = json(cli("status", "echo", "--json").out());
        assertEquals("local", status.get("status").asText());
        assertEquals(MODEL.length, status.get("total_bytes").asLong());

        Run rm = cli("rm", "echo");
        assertEquals(Cli.OK, rm.code());
        assertEquals("not_downloaded", json(cli("status", "echo", "--json").out()).get("status").asText());
        assertEquals(Cli.UNKNOWN_MODEL, cli("pull", "nope").code());
        assertEquals(Cli.UNKNOWN_MODEL, cli("status", "nope").code());
    }

    @Test
    void aProgressBarIsDrawnInPlace() {
        hub.fault("org/echo", "script.txt", Fault.throttle(3_000_000));
        Run pull = cli("pull", "echo", "--progress", "bar");
        assertEquals(Cli.OK, pull.code(), pull.err());
        String[] frames = pull.out().split("\r");
        assertTrue(frames.length > 2, "the bar was redrawn: " + pull.out());
        String last = frames[frames.length - 1];
        assertTrue(last.contains("[==============================] 100%"), last);
        assertTrue(last.contains("3.0 MB / 3.0 MB") && last.contains("MB/s") && last.contains("ETA"), last);
    }

    @Test
    void aFailedDownloadExitsWithOneAndSaysWhy() {
        hub.fault("org/echo", "script.txt", Fault.wrongBytes());
        Run pull = cli("pull", "echo", "--progress", "none");
        assertEquals(Cli.FAILED, pull.code());
        assertTrue(pull.err().contains("Failed to download model: checksum mismatch"), pull.err());
    }

    @Test
    void withARunningNodeCommandsGoThroughItsApi() {
        node = TestNode.start(home, null, Map.of("HF_ENDPOINT", hub.endpoint().toString()));
        String url = "http://127.0.0.1:" + node.node().port();
        hub.fault("org/echo", "script.txt", Fault.throttle(4_000_000));
        Run pull = cli("pull", "echo", "--url", url);
        assertEquals(Cli.OK, pull.code(), pull.err());
        assertTrue(pull.out().contains("downloading"), pull.out());
        assertTrue(pull.out().contains("echo is completed"), pull.out());
        assertEquals("completed", node.status("echo").get("status").asText(), "the node itself downloaded it");

        assertTrue(cli("list", "--url", url).out().lines().anyMatch(l -> l.startsWith("echo")
                && l.contains("completed")));
        Run plugins = cli("plugins", "--url", url);
        assertEquals(Cli.OK, plugins.code());
        assertTrue(plugins.out().contains("engine  scripted"), plugins.out());
        assertTrue(plugins.out().contains("source  test_files"), plugins.out());
        assertEquals(Cli.UNKNOWN_MODEL, cli("status", "nope", "--url", url).code());
        assertEquals(Cli.OK, cli("rm", "echo", "--url", url).code());
        assertEquals("not_downloaded", node.status("echo").get("status").asText());
        assertEquals(Cli.UNKNOWN_MODEL, cli("rm", "nope", "--url", url).code());
    }

    @Test
    void pluginsWithoutANodeLoadThemHere() {
        Run plugins = cli("plugins", "--json");
        assertEquals(Cli.OK, plugins.code(), plugins.err());
        JsonNode body = json(plugins.out());
        assertEquals(2, body.get("plugins").size());
        assertEquals(0, body.get("failures").size());
    }
}
