package dev.llmlb.testkit.hub;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs the fake hub as its own process, for benchmarks and manual tries:
 * {@code java -cp <testkit and api jars> dev.llmlb.testkit.hub.FakeHubMain --lfs owner/name path/in/repo /local/file
 * [--file owner/name path/in/repo /local/file] [--cap-each-connection BYTES_PER_SECOND] [--endpoint-file F]}.
 * Prints the hub's endpoint and serves until killed.
 */
public final class FakeHubMain {

    private FakeHubMain() {
    }

    public static void main(String[] args) throws Exception {
        List<String> problems = new ArrayList<>();
        Path endpointFile = null;
        FakeHub hub = FakeHub.start();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--lfs" -> {
                    hub.repo(args[i + 1]).lfsFile(args[i + 2], Path.of(args[i + 3]));
                    i += 3;
                }
                case "--file" -> {
                    hub.repo(args[i + 1]).file(args[i + 2], Files.readAllBytes(Path.of(args[i + 3])));
                    i += 3;
                }
                case "--endpoint-file" -> endpointFile = Path.of(args[++i]);
                case "--cap-each-connection" -> hub.capEachConnection(Long.parseLong(args[++i]));
                default -> problems.add("unknown argument " + args[i]);
            }
        }
        if (!problems.isEmpty()) {
            hub.close();
            System.err.println(String.join("\n", problems));
            System.exit(64);
        }
        if (endpointFile != null) {
            Files.writeString(endpointFile, hub.endpoint().toString());
        }
        System.out.println("fake hub at " + hub.endpoint() + " (CDN " + hub.cdnEndpoint() + ")");
        Thread.currentThread().join();
    }
}
