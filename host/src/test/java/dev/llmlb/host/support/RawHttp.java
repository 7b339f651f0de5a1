package dev.llmlb.host.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * An HTTP/1.1 request on a socket of its own, for tests of clients that leave: the test decides when the connection
 * closes, which the JDK's HttpClient hides.
 */
public final class RawHttp implements AutoCloseable {

    private final Socket socket;

    private RawHttp(Socket socket) {
        this.socket = socket;
    }

    /** Sends a POST with a JSON body and the development key; the answer is left unread. */
    public static RawHttp post(int port, String path, String json) {
        return post(port, path, json, false);
    }

    /** As {@link #post(int, String, String)}, asking the server to close the connection after its answer. */
    public static RawHttp post(int port, String path, String json, boolean connectionClose) {
        try {
            Socket socket = new Socket("127.0.0.1", port);
            byte[] body = json.getBytes(StandardCharsets.UTF_8);
            String head = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nAuthorization: Bearer sk_debug"
                    + (connectionClose ? "\r\nConnection: close" : "")
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n";
            socket.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().write(body);
            socket.getOutputStream().flush();
            return new RawHttp(socket);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads until {@code count} bytes of the answer have arrived (headers included), or the answer ends. */
    public String read(int count) {
        try {
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[count];
            int total = 0;
            while (total < count) {
                int n = in.read(buffer, total, count - total);
                if (n < 0) {
                    break;
                }
                total += n;
            }
            return new String(buffer, 0, total, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Reads until the server closes the connection.
     *
     * @throws java.net.SocketTimeoutException (unchecked, wrapped) when nothing comes for {@code idleMillis}
     */
    public String readUntilClosed(int idleMillis) {
        try {
            socket.setSoTimeout(idleMillis);
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The client leaves. */
    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
