package dev.llmlb.host.http;

import dev.llmlb.host.json.Json;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerResponse;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A {@code text/event-stream} response written by hand: Helidon's SSE sink refuses clients that do not
 * {@code Accept} event streams, and OpenAI clients send {@code application/json}. Each event is flushed at once.
 */
public final class SseStream implements AutoCloseable {

    private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);
    private final OutputStream out;

    public SseStream(ServerResponse res) {
        res.header(HeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8");
        res.header(HeaderNames.CACHE_CONTROL, "no-cache");
        // Tells nginx and similar proxies not to buffer the stream.
        res.header("X-Accel-Buffering", "no");
        this.out = res.outputStream();
    }

    /** Sends one {@code data:} event holding {@code value} as JSON. */
    public void send(Object value) throws IOException {
        byte[] json = Json.bytes(value);
        byte[] event = new byte[json.length + 8];
        System.arraycopy("data: ".getBytes(StandardCharsets.US_ASCII), 0, event, 0, 6);
        System.arraycopy(json, 0, event, 6, json.length);
        event[event.length - 2] = '\n';
        event[event.length - 1] = '\n';
        out.write(event);
        out.flush();
    }

    /** Sends a comment line, which keeps proxies from closing an idle stream. */
    public void comment(String text) throws IOException {
        out.write((": " + text + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** Sends {@code data: [DONE]}. */
    public void done() throws IOException {
        out.write(DONE);
        out.flush();
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
