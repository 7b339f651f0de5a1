package dev.llmlb.host.resolve;

import dev.llmlb.api.ModelSpec;
import dev.llmlb.api.source.RemoteFile;
import dev.llmlb.host.download.DownloadSettings;
import dev.llmlb.host.download.FileDownloader;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * What {@link ChildJvm} runs: one command of another node process on the models folder, reporting on standard
 * output.
 * <ul>
 *   <li>{@code fetch <home> <hub> <heartbeat ms> <stale ms> <model>}: fetches the model as a node would; prints
 *   {@code downloading <bytes>} as bytes arrive, then {@code fetched} or {@code failed <message>}.</li>
 *   <li>{@code in-use <home> <hub> <model>}: marks the model in use, prints {@code in-use}, and holds the mark
 *   until its standard input closes.</li>
 *   <li>{@code hold <file>}: takes the exclusive OS lock on the file, prints {@code held}, and keeps it until its
 *   standard input closes: a process stopped inside a short lock.</li>
 *   <li>{@code download <hub> <uri> <size> <partial> <target> <connections> <threshold>}: one file with the
 *   downloader alone; prints {@code bytes <n>} as they arrive and {@code done} at the end.</li>
 * </ul>
 */
public final class ChildMain {

    private ChildMain() {
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "fetch" -> fetch(Path.of(args[1]), args[2], new DownloadLock.Timing(
                    Duration.ofMillis(Long.parseLong(args[3])), Duration.ofMillis(Long.parseLong(args[4]))), args[5]);
            case "in-use" -> inUse(Path.of(args[1]), args[2], args[3]);
            case "hold" -> hold(Path.of(args[1]));
            case "download" -> download(URI.create(args[1]), URI.create(args[2]), Long.parseLong(args[3]),
                    Path.of(args[4]), Path.of(args[5]), Integer.parseInt(args[6]), Long.parseLong(args[7]));
            default -> throw new IllegalArgumentException(args[0]);
        }
        System.exit(0);
    }

    private static void fetch(Path home, String hub, DownloadLock.Timing timing, String id) {
        try (ResolverFixture fixture = ResolverFixture.open(home, Map.of("HF_ENDPOINT", hub), timing)) {
            ModelSpec spec = fixture.spec(id);
            fixture.resolver().fetch(spec, new FetchListener() {
                @Override
                public void waiting(long downloaded, long total) {
                }

                @Override
                public void downloading(long downloaded, long total) {
                    System.out.println("downloading " + downloaded);
                }
            });
            System.out.println("fetched");
        } catch (FetchException e) {
            System.out.println("failed " + e.failure().message());
        }
    }

    private static void inUse(Path home, String hub, String id) throws IOException {
        try (ResolverFixture fixture = ResolverFixture.open(home, Map.of("HF_ENDPOINT", hub),
                DownloadLock.Timing.DEFAULT);
             ModelFetcher.InUse ignored = fixture.resolver().markInUse(fixture.spec(id))) {
            System.out.println("in-use");
            System.in.readAllBytes();
        }
    }

    private static void hold(Path file) throws IOException {
        try (dev.llmlb.host.download.FileLocks.Held ignored = dev.llmlb.host.download.FileLocks.tryExclusive(file)
                .orElseThrow()) {
            System.out.println("held");
            System.in.readAllBytes();
        }
    }

    private static void download(URI hub, URI uri, long size, Path partial, Path target, int connections,
                                 long threshold) throws Exception {
        try (FileDownloader downloader = new FileDownloader(DownloadSettings.defaults(hub)
                .withParallel(connections, threshold))) {
            downloader.download(new RemoteFile(target.getFileName().toString(), uri, size, Optional.empty()),
                    partial, target, bytes -> System.out.println("bytes " + bytes), () -> false);
        }
        System.out.println("done");
    }
}
