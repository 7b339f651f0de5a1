package dev.llmlb.it;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Starting the node the wrong way ends it at once, with one line that says what to change and no stack trace. */
class StartupTest {

    @TempDir
    Path home;

    /** What a command printed (stdout and stderr together) and its exit status. */
    private record Run(int code, String output) {
    }

    private Run run(Map<String, String> settings, String... command) throws Exception {
        Path log = home.resolve("out.log");
        ProcessBuilder builder = new ProcessBuilder();
        builder.command().add(DistNode.dist().resolve("bin/llmlb-node").toString());
        builder.command().addAll(List.of(command));
        builder.redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().keySet().removeIf(k -> k.startsWith("LLMLB_") || k.startsWith("HF_"));
        builder.environment().put("LLMLB_HOME", home.toString());
        builder.environment().put("HOME", home.toString());
        builder.environment().putAll(settings);
        Process process = builder.start();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("still running after 60 s: " + Files.readString(log));
        }
        return new Run(process.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    }

    private static void assertOneClearLine(Run run, String... mentions) {
        assertEquals(2, run.code(), run.output());
        List<String> lines = run.output().lines().filter(l -> !l.isBlank()).toList();
        assertEquals(1, lines.size(), "one line: " + run.output());
        assertFalse(run.output().contains("Exception") || run.output().contains("\tat "), run.output());
        for (String mention : mentions) {
            assertTrue(run.output().contains(mention), mention + " in " + run.output());
        }
    }

    @Test
    void aBusyPortEndsServeAndDemoWithOneLineAndStatusTwo() throws Exception {
        try (ServerSocket busy = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            String port = Integer.toString(busy.getLocalPort());
            Map<String, String> settings = Map.of("LLMLB_PORT", port, "LLMLB_LOG_LEVEL", "WARN");
            assertOneClearLine(run(settings, "serve"), "127.0.0.1:" + port, "LLMLB_PORT");
            assertOneClearLine(run(settings, "demo"), "127.0.0.1:" + port, "LLMLB_PORT");
        }
    }

    @Test
    void beyondLoopbackWithoutKeysTheNodeRefusesToStart() throws Exception {
        assertOneClearLine(run(Map.of("LLMLB_BIND", "0.0.0.0", "LLMLB_PORT", "0", "LLMLB_LOG_LEVEL", "WARN"),
                "serve"), "LLMLB_API_KEYS", "0.0.0.0");
    }

    @Test
    void aCommandGivenANodeThatDoesNotAnswerFailsInsteadOfListingLocalFiles() throws Exception {
        int dead;
        try (ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            dead = socket.getLocalPort();
        }
        Run run = run(Map.of(), "list", "--url", "http://127.0.0.1:" + dead);
        assertEquals(1, run.code(), run.output());
        assertTrue(run.output().contains("no node answers at http://127.0.0.1:" + dead), run.output());
        assertFalse(run.output().contains("llama-3.2-1b"), "no local listing: " + run.output());
    }
}
