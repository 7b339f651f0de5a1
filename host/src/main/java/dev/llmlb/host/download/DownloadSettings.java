package dev.llmlb.host.download;

import dev.llmlb.host.config.NodeConfig;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How transfers behave.
 *
 * @param hubEndpoint    the hub; the token goes only to its scheme, host and port
 * @param hubToken       {@code HF_TOKEN}
 * @param stallTimeout   a transfer with no bytes for this long fails with {@code Network timeout}
 * @param maxAttempts    tries per file for transient failures (dropped connections, 5xx), each resuming
 * @param initialBackoff the pause before the second try; doubled for each further one
 * @param offline        {@code HF_HUB_OFFLINE}: never touch the network
 * @param freeSpace      how free disk space is measured
 */
public record DownloadSettings(URI hubEndpoint, Optional<String> hubToken, Duration stallTimeout, int maxAttempts,
                               Duration initialBackoff, boolean offline, FreeSpace freeSpace) {

    public DownloadSettings {
        Objects.requireNonNull(hubEndpoint, "hubEndpoint");
        hubToken = hubToken == null ? Optional.empty() : hubToken;
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be >= 1");
        }
    }

    /** The node's settings: its hub, token, timeout and offline mode, 5 attempts from a 1 s backoff. */
    public static DownloadSettings of(NodeConfig config) {
        return new DownloadSettings(config.hubEndpoint(), config.hubToken(), config.downloadTimeout(), 5,
                Duration.ofSeconds(1), config.offline(), FreeSpace.fileStore());
    }

    /** Never shows the token: settings end up in logs and exception messages. */
    @Override
    public String toString() {
        return "DownloadSettings[hubEndpoint=" + hubEndpoint + ", hubToken=" + (hubToken.isPresent() ? "(set)"
                : "(none)") + ", stallTimeout=" + stallTimeout + ", maxAttempts=" + maxAttempts + ", offline="
                + offline + "]";
    }

    public DownloadSettings withFreeSpace(FreeSpace space) {
        return new DownloadSettings(hubEndpoint, hubToken, stallTimeout, maxAttempts, initialBackoff, offline, space);
    }
}
