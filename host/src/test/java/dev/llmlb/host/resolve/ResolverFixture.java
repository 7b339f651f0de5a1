package dev.llmlb.host.resolve;

import dev.llmlb.api.ModelSpec;
import dev.llmlb.host.NodeOptions;
import dev.llmlb.host.NodeParts;
import dev.llmlb.host.download.DownloadSettings;
import dev.llmlb.host.download.FileDownloader;
import dev.llmlb.host.support.TestNode;

import java.nio.file.Path;
import java.util.Map;

/**
 * A {@link ModelResolver} as the node builds it (configuration, test plugins, catalog from {@code home}), with a
 * lock timing of the test's choosing, for tests that work on the models folder without a server, in this JVM or a
 * child one ({@link ChildMain}).
 */
final class ResolverFixture implements AutoCloseable {

    private final NodeParts parts;
    private final ModelResolver resolver;

    private ResolverFixture(NodeParts parts, ModelResolver resolver) {
        this.parts = parts;
        this.resolver = resolver;
    }

    /** Reads {@code home}'s catalog with the test plugins and {@code settings} added. */
    static ResolverFixture open(Path home, Map<String, String> settings, DownloadLock.Timing timing) {
        Map<String, String> env = TestNode.baseSettings(home);
        env.putAll(settings);
        NodeParts parts = NodeParts.open(NodeOptions.of(env, home));
        return new ResolverFixture(parts, new ModelResolver(parts.config(), parts.plugins(),
                new FileDownloader(DownloadSettings.of(parts.config())), parts.metrics(), timing));
    }

    ModelResolver resolver() {
        return resolver;
    }

    ModelSpec spec(String id) {
        return parts.catalog().models().stream().filter(m -> m.id().equals(id)).findFirst().orElseThrow();
    }

    @Override
    public void close() {
        resolver.close();
        parts.close();
    }
}
