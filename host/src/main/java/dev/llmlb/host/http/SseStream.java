package dev.llmlb.host.http;

import dev.llmlb.host.inference.ClientGoneException;
import dev.llmlb.host.json.Json;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.http.ServerResponse;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * A {@code text/event-stream} response written by hand: Helidon's SSE sink refuses clients that do not
 * {@code Accept} event streams, and OpenAI clients send {@code application/json}. Each event is flushed at once.
 *
 * <p>A write that fails means the client left (Helidon reports a closed socket as an {@link UncheckedIOException},
 * or as a {@link CloseConnectionException} when a chunk fails):
 * every method then throws {@link ClientGoneException}, wherever in the stream it happens, so that the request ends
 * as abandoned and not as a server error.
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
    public void send(Object value) {
        byte[] json = Json.bytes(value);
        byte[] event = new byte[json.length + 8];
        System.arraycopy("data: ".getBytes(StandardCharsets.US_ASCII), 0, event, 0, 6);
        System.arraycopy(json, 0, event, 6, json.length);
        event[event.length - 2] = '\n';
        event[event.length - 1] = '\n';
        write(event);
    }

    /** Sends a comment line, which keeps proxies from closing an idle stream. */
    public void comment(String text) {
        write((": " + text + "\n\n").getBytes(StandardCharsets.UTF_8));
    }

    /** Sends {@code data: [DONE]}. */
    public void done() {
        write(DONE);
    }

    private void write(byte[] bytes) {
        try {
            out.write(bytes);
            out.flush();
        } catch (IOException | UncheckedIOException | CloseConnectionException e) {
            throw gone(e);
        }
    }

    private static ClientGoneException gone(Exception e) {
        return new ClientGoneException("the client closed the connection (" + e.getMessage() + ")");
    }

    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException | UncheckedIOException | CloseConnectionException e) {
            throw gone(e);
        }
    }
}
