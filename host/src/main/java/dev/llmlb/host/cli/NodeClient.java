package dev.llmlb.host.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmlb.host.json.Json;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Predicate;

/** The command line's view of a running node: its API, with the operator's key. */
final class NodeClient {

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final URI base;
    private final String key;

    /** An answer: status and JSON body. */
    record Answer(int status, JsonNode body) {
        String errorMessage() {
            return body.path("error").path("message").asText("HTTP " + status);
        }
    }

    NodeClient(URI base, String key) {
        this.base = base;
        this.key = key;
    }

    URI base() {
        return base;
    }

    /** Whether a node answers at the address. */
    boolean reachable() {
        try {
            HttpRequest request = HttpRequest.newBuilder(base.resolve("/health")).timeout(Duration.ofSeconds(2)).GET()
                    .build();
            return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    Answer get(String path) throws IOException {
        return send(request(path).GET());
    }

    Answer post(String path) throws IOException {
        return send(request(path).POST(HttpRequest.BodyPublishers.noBody()));
    }

    Answer delete(String path) throws IOException {
        return send(request(path).DELETE());
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(base.resolve(path)).header("Authorization", "Bearer " + key)
                .timeout(Duration.ofMinutes(1));
    }

    private Answer send(HttpRequest.Builder request) throws IOException {
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            JsonNode body = response.body().isBlank() ? Json.object() : Json.mapper().readTree(response.body());
            return new Answer(response.statusCode(), body);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /**
     * Follows {@code GET path} as server-sent events, handing each event's JSON to {@code onEvent} until it returns
     * false or the stream ends; returns the last event.
     */
    JsonNode follow(String path, Predicate<JsonNode> onEvent) throws IOException {
        HttpRequest request = HttpRequest.newBuilder(base.resolve(path)).header("Authorization", "Bearer " + key)
                .header("Accept", "text/event-stream").GET().build();
        try {
            HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
            JsonNode last = null;
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                    if (line.startsWith("data: ")) {
                        last = Json.mapper().readTree(line.substring(6));
                        if (!onEvent.test(last)) {
                            break;
                        }
                    }
                }
            }
            return last;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
