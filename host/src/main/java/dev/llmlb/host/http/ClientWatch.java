package dev.llmlb.host.http;

import dev.llmlb.host.models.Cancellation;
import io.helidon.webserver.http.ServerRequest;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Notices that a client closed its connection while its request waits or generates, and cancels the request.
 *
 * <p>A streaming request learns it when a write fails, but only at its next token, and a request that waits in a
 * queue or builds a non-streaming answer writes nothing until the end: without this, its generation would run to
 * the end for nobody. Helidon reads nothing from a connection while a handler runs, so the node asks the kernel:
 * every {@value #POLL_MILLIS} ms, while requests are watched, it reads the TCP connection table
 * ({@code /proc/net/tcp} and {@code tcp6}); a watched connection listed in another state than {@code ESTABLISHED}
 * (the client sent FIN) cancels its request, and so does one missing from two readings in a row (the client reset
 * it): the kernel builds the table as it is read, so a connection can be missed by one reading while others come and
 * go. Where that table does not exist (not Linux), only failed writes tell.
 */
public final class ClientWatch implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(ClientWatch.class.getName());
    static final long POLL_MILLIS = 50;
    private static final List<Path> TABLES = List.of(Path.of("/proc/net/tcp"), Path.of("/proc/net/tcp6"));
    private static final String ESTABLISHED = "01";

    /** Each watched request's connection, in every form the tables may list it under. */
    private final Map<Cancellation, List<Connection>> watched = new ConcurrentHashMap<>();
    /** Watched requests whose connection the last reading did not list. */
    private final Map<Cancellation, Boolean> missedOnce = new ConcurrentHashMap<>();
    private final boolean available;
    private Thread poller;
    private volatile boolean closed;

    /** One TCP connection as the kernel's table names it: remote address and port, local port, in hex. */
    record Connection(String remote, String localPort) {
    }

    public ClientWatch() {
        this.available = TABLES.stream().anyMatch(Files::isReadable);
        if (!available) {
            LOG.log(Level.INFO, "No /proc/net/tcp here: a client that leaves is noticed at the next write only");
        }
    }

    /** Cancels {@code cancellation} when the client of {@code req} closes its connection, until the handle closes. */
    public AutoCloseable watch(ServerRequest req, Cancellation cancellation) {
        List<Connection> forms = available ? formsOf(req.remotePeer().address(), req.localPeer().address())
                : List.of();
        if (forms.isEmpty()) {
            return () -> { };
        }
        watched.put(cancellation, forms);
        startPolling();
        return () -> {
            watched.remove(cancellation);
            missedOnce.remove(cancellation);
        };
    }

    private synchronized void startPolling() {
        if (poller == null && !closed) {
            poller = Thread.ofPlatform().name("client-watch").daemon(true).start(this::poll);
        }
    }

    private void poll() {
        ByteBuffer[] buffer = {ByteBuffer.allocate(1 << 16)};
        while (!closed) {
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
            if (watched.isEmpty()) {
                continue;
            }
            Map<Connection, String> states = readTables(buffer);
            watched.forEach((cancellation, forms) -> {
                List<String> listed = forms.stream().map(states::get).filter(java.util.Objects::nonNull).toList();
                if (listed.contains(ESTABLISHED)) {
                    missedOnce.remove(cancellation);
                    return;
                }
                if (listed.isEmpty() && missedOnce.put(cancellation, Boolean.TRUE) == null) {
                    return;
                }
                watched.remove(cancellation);
                missedOnce.remove(cancellation);
                cancellation.cancel("the client closed the connection");
            });
        }
    }

    /** The state of every TCP connection, an established entry winning over a stale one of the same addresses. */
    private static Map<Connection, String> readTables(ByteBuffer[] buffer) {
        Map<Connection, String> states = new HashMap<>();
        for (Path table : TABLES) {
            List<String> lines;
            try {
                lines = readAtOnce(table, buffer);
            } catch (IOException e) {
                continue;
            }
            for (int i = 1; i < lines.size(); i++) {
                String[] fields = lines.get(i).trim().split("\\s+");
                if (fields.length < 4) {
                    continue;
                }
                String local = fields[1];
                Connection connection = new Connection(fields[2], local.substring(local.indexOf(':') + 1));
                states.merge(connection, fields[3], (a, b) -> ESTABLISHED.equals(a) ? a : b);
            }
        }
        return states;
    }

    /**
     * Reads a table with reads as large as it is (the buffer grows and is kept), so the kernel lists it in as few
     * passes as it can: each pass may miss a connection that moves meanwhile.
     */
    private static List<String> readAtOnce(Path table, ByteBuffer[] reused) throws IOException {
        try (FileChannel channel = FileChannel.open(table)) {
            ByteBuffer buffer = reused[0].clear();
            while (channel.read(buffer) > 0) {
                if (!buffer.hasRemaining()) {
                    ByteBuffer bigger = ByteBuffer.allocate(buffer.capacity() * 2);
                    buffer.flip();
                    bigger.put(buffer);
                    buffer = bigger;
                    reused[0] = bigger;
                }
            }
            return List.of(new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII).split("\n"));
        }
    }

    /**
     * How the kernel's tables may write a connection, from Java's addresses: an IPv4 client of a socket listening
     * on IPv6 is listed in {@code tcp6} under its IPv4-mapped address, which Java reports as plain IPv4.
     */
    static List<Connection> formsOf(SocketAddress remote, SocketAddress local) {
        if (!(remote instanceof InetSocketAddress r) || !(local instanceof InetSocketAddress l)
                || r.getAddress() == null) {
            return List.of();
        }
        String localPort = port(l.getPort());
        String remotePort = ":" + port(r.getPort());
        byte[] address = r.getAddress().getAddress();
        if (address.length == 4) {
            byte[] mapped = new byte[16];
            mapped[10] = (byte) 0xff;
            mapped[11] = (byte) 0xff;
            System.arraycopy(address, 0, mapped, 12, 4);
            return List.of(new Connection(hex(address) + remotePort, localPort),
                    new Connection(hex(mapped) + remotePort, localPort));
        }
        return List.of(new Connection(hex(address) + remotePort, localPort));
    }

    /**
     * An address as {@code /proc/net/tcp} prints it: each 32-bit word in the machine's byte order (x86 and arm are
     * little-endian), so the bytes of each word come reversed.
     */
    static String hex(byte[] bytes) {
        byte[] reversed = new byte[bytes.length];
        for (int word = 0; word < bytes.length; word += 4) {
            for (int i = 0; i < 4; i++) {
                reversed[word + i] = bytes[word + 3 - i];
            }
        }
        return HexFormat.of().withUpperCase().formatHex(reversed);
    }

    private static String port(int port) {
        return String.format("%04X", port);
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (poller != null) {
            poller.interrupt();
        }
    }
}
