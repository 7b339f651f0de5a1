package dev.llmlb.host;

import dev.llmlb.host.catalog.Catalog;
import dev.llmlb.host.catalog.CatalogLoader;
import dev.llmlb.host.config.ConfigException;
import dev.llmlb.host.config.NodeConfig;
import dev.llmlb.host.config.Settings;
import dev.llmlb.host.json.Json;
import dev.llmlb.host.metrics.NodeMetrics;
import dev.llmlb.host.plugins.PluginRegistry;
import dev.llmlb.host.resolve.ModelResolver;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What a node is made of before it serves anything: checked configuration, loaded plugins, the validated catalog
 * and the resolver that fetches models. The server builds on it; so do the command-line tools that work on the
 * models folder without a server ({@code pull}, {@code list}, {@code rm} while no node runs).
 */
public record NodeParts(NodeConfig config, PluginRegistry plugins, Catalog catalog, ModelResolver resolver,
                        NodeMetrics metrics) implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(NodeParts.class.getName());

    /**
     * Reads the configuration, loads the plugins and the catalog (copying the bundled default on first start),
     * and creates the models folder.
     *
     * @throws ConfigException when the settings or {@code supported_models.json} are wrong; nothing was written
     */
    public static NodeParts open(NodeOptions options) {
        Settings settings = Node.settings(options);
        NodeConfig config = Node.config(options);
        PluginRegistry plugins = PluginRegistry.load(config.pluginsDir(),
                new NodePluginContext(settings, config.home(), !options.gpus().gpus().isEmpty()));
        try {
            installDefaultCatalog(config, options.distDir());
            Catalog catalog = new CatalogLoader(Json.mapper(), spec -> plugins.source(spec.source())
                    .map(source -> source.validate(spec)).orElse(List.of())).load(config.catalogFile());
            createFolders(config);
            NodeMetrics metrics = new NodeMetrics();
            metrics.pluginFailures(plugins.failures().size());
            return new NodeParts(config, plugins, catalog, new ModelResolver(config, plugins, metrics), metrics);
        } catch (RuntimeException e) {
            plugins.close();
            throw e;
        }
    }

    private static void installDefaultCatalog(NodeConfig config, Optional<Path> distDir) {
        if (Files.exists(config.catalogFile()) || distDir.isEmpty()) {
            return;
        }
        Path bundled = distDir.get().resolve("conf").resolve("supported_models.json");
        if (!Files.isRegularFile(bundled)) {
            return;
        }
        try {
            Files.createDirectories(config.catalogFile().toAbsolutePath().getParent());
            Files.copy(bundled, config.catalogFile());
            LOG.log(Level.INFO, "Created {0} from the bundled default; edit it to list your models",
                    config.catalogFile());
        } catch (IOException e) {
            throw new ConfigException(List.of(config.catalogFile() + ": cannot create it from " + bundled + ": "
                    + e.getMessage()));
        }
    }

    private static void createFolders(NodeConfig config) {
        try {
            Files.createDirectories(config.locksDir());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + config.locksDir() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        resolver.close();
        plugins.close();
    }
}
