package dev.llmlb.host.download;

import dev.llmlb.host.config.NodeConfig;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/**
 * How transfers behave.
 *
 * @param hubEndpoint       {@code HF_ENDPOINT}, named in messages when the hub cannot be reached or refuses a request
 * @param stallTimeout      a file transfer that receives no byte for this long fails with {@code Network timeout}
 *                          ({@code LLMLB_DOWNLOAD_TIMEOUT})
 * @param hubTimeout        how long a request may wait for response headers, and a document (a listing) for its next
 *                          byte ({@code LLMLB_HUB_TIMEOUT})
 * @param connections       ranged connections per large file ({@code LLMLB_DOWNLOAD_CONNECTIONS})
 * @param parallelThreshold files at least this large are fetched in chunks over several connections
 * @param maxAttempts       tries for transient failures (dropped connections, 5xx) in a row without progress
 * @param initialBackoff    the pause before the second try; doubled for each further one
 * @param offline           {@code HF_HUB_OFFLINE}: never touch the network
 * @param freeSpace         how free disk space is measured
 */
public record DownloadSettings(URI hubEndpoint, Duration stallTimeout, Duration hubTimeout, int connections,
                               long parallelThreshold, int maxAttempts, Duration initialBackoff, boolean offline,
                               FreeSpace freeSpace) {

    /** Files from 64 MiB on are fetched over several connections (smaller ones finish before it pays). */
    public static final long DEFAULT_PARALLEL_THRESHOLD = 64L << 20;

    public DownloadSettings {
        Objects.requireNonNull(hubEndpoint, "hubEndpoint");
        Objects.requireNonNull(freeSpace, "freeSpace");
        if (maxAttempts < 1 || connections < 1) {
            throw new IllegalArgumentException("maxAttempts and connections must be >= 1");
        }
    }

    /** The node's settings: 5 attempts from a 1 s backoff. */
    public static DownloadSettings of(NodeConfig config) {
        return new DownloadSettings(config.hubEndpoint(), config.downloadTimeout(), config.hubTimeout(),
                config.downloadConnections(), DEFAULT_PARALLEL_THRESHOLD, 5, Duration.ofSeconds(1), config.offline(),
                FreeSpace.fileStore());
    }

    /** Defaults for {@code hub}: 5 min stall timeout, 10 s hub timeout, 8 connections, 5 attempts from 1 s. */
    public static DownloadSettings defaults(URI hub) {
        return new DownloadSettings(hub, Duration.ofMinutes(5), Duration.ofSeconds(10), 8,
                DEFAULT_PARALLEL_THRESHOLD, 5, Duration.ofSeconds(1), false, FreeSpace.fileStore());
    }

    public DownloadSettings withFreeSpace(FreeSpace space) {
        return new DownloadSettings(hubEndpoint, stallTimeout, hubTimeout, connections, parallelThreshold,
                maxAttempts, initialBackoff, offline, space);
    }

    public DownloadSettings withTimeouts(Duration stall, Duration hub) {
        return new DownloadSettings(hubEndpoint, stall, hub, connections, parallelThreshold, maxAttempts,
                initialBackoff, offline, freeSpace);
    }

    public DownloadSettings withParallel(int newConnections, long threshold) {
        return new DownloadSettings(hubEndpoint, stallTimeout, hubTimeout, newConnections, threshold, maxAttempts,
                initialBackoff, offline, freeSpace);
    }

    public DownloadSettings withAttempts(int attempts, Duration backoff) {
        return new DownloadSettings(hubEndpoint, stallTimeout, hubTimeout, connections, parallelThreshold, attempts,
                backoff, offline, freeSpace);
    }

    public DownloadSettings withOffline(boolean isOffline) {
        return new DownloadSettings(hubEndpoint, stallTimeout, hubTimeout, connections, parallelThreshold,
                maxAttempts, initialBackoff, isOffline, freeSpace);
    }
}
