package dev.llmlb.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The built distribution run as an operator runs it: {@code bin/llmlb-node} as its own process, with a home
 * folder and settings of the test's choosing, its log captured to a file.
 */
public final class DistNode implements AutoCloseable {

    private static final Pattern LISTENING = Pattern.compile("listening on http://[^:]+:(\\d+)");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final Path log;
    private final int port;
    private final HttpClient http = HttpClient.newHttpClient();

    private DistNode(Process process, Path log, int port) {
        this.process = process;
        this.log = log;
        this.port = port;
    }

    /** The distribution the build made. */
    public static Path dist() {
        return Path.of(System.getProperty("llmlb.dist", "../dist/target/llmlb-node")).toAbsolutePath().normalize();
    }

    /** Copies the distribution, so a test may change its folders. */
    public static Path copyOfDist(Path target) throws IOException {
        Path source = dist();
        try (var files = Files.walk(source)) {
            for (Path file : files.toList()) {
                Path to = target.resolve(source.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(file, to, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
        return target;
    }

    /** Starts {@code <dist>/bin/llmlb-node} on a free port and waits until it is ready. */
    public static DistNode start(Path dist, Path home, Map<String, String> settings) throws IOException {
        return start(dist, home, settings, "serve");
    }

    /** Starts {@code <dist>/bin/llmlb-node <command>} on a free port and waits until it listens. */
    public static DistNode start(Path dist, Path home, Map<String, String> settings, String command)
            throws IOException {
        Files.createDirectories(home);
        Path log = home.resolve("node.log");
        ProcessBuilder builder = new ProcessBuilder(dist.resolve("bin/llmlb-node").toString(), command)
                .redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(k -> k.startsWith("LLMLB_") || k.startsWith("HF_"));
        env.put("LLMLB_HOME", home.toString());
        env.put("LLMLB_PORT", "0");
        env.put("HOME", home.toString());
        env.putAll(settings);
        Process process = builder.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            String text = Files.exists(log) ? Files.readString(log) : "";
            Matcher m = LISTENING.matcher(text);
            if (m.find()) {
                return new DistNode(process, log, Integer.parseInt(m.group(1)));
            }
            if (!process.isAlive()) {
                throw new IllegalStateException("the node exited with " + process.exitValue() + ":\n" + text);
            }
            sleep(100);
        }
        process.destroyForcibly();
        throw new IllegalStateException("the node did not start within 60 s:\n" + Files.readString(log));
    }

    public int port() {
        return port;
    }

    public URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    /** The log once it contains {@code text} (lines printed after the node listens, such as the demo's banner). */
    public String awaitLog(String text) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        String current = log();
        while (!current.contains(text) && System.nanoTime() < deadline) {
            sleep(50);
            current = log();
        }
        return current;
    }

    public String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Process process() {
        return process;
    }

    /** GET with the development key; the body parsed as JSON. */
    public Response get(String path) {
        return send(HttpRequest.newBuilder(uri(path)).header("Authorization", "Bearer sk_debug").GET().build());
    }

    /** POST JSON with the development key. */
    public Response post(String path, String json) {
        return send(HttpRequest.newBuilder(uri(path)).header("Authorization", "Bearer sk_debug")
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build());
    }

    public Response send(HttpRequest request) {
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            return new Response(response.statusCode(), response.body(), response.headers().map());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** An answer: status, raw body, and the body as JSON when it is JSON. */
    public record Response(int status, String body, Map<String, List<String>> headers) {
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new IllegalStateException("not JSON (" + status + "): " + body, e);
            }
        }
    }

    /** Sends SIGTERM and waits for the process to end; returns its exit code. */
    public int stop(Duration wait) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(wait.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            process.waitFor();
            throw new IllegalStateException("the node did not stop within " + wait + " of SIGTERM:\n" + log());
        }
        return process.exitValue();
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(20, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    static Map<String, String> settings(String... keyValues) {
        Map<String, String> map = new HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            map.put(keyValues[i], keyValues[i + 1]);
        }
        return map;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
