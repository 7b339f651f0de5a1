package dev.llmlb.host;

import dev.llmlb.host.catalog.Catalog;
import dev.llmlb.host.config.ConfigException;
import dev.llmlb.host.config.EnvFile;
import dev.llmlb.host.config.NodeConfig;
import dev.llmlb.host.config.Settings;
import dev.llmlb.host.http.ApiKeys;
import dev.llmlb.host.http.ClientWatch;
import dev.llmlb.host.http.HealthApi;
import dev.llmlb.host.http.NodeApi;
import dev.llmlb.host.http.NodeHeaders;
import dev.llmlb.host.http.OpenAiApi;
import dev.llmlb.host.http.Readiness;
import dev.llmlb.host.http.RequestBodies;
import dev.llmlb.host.http.Router;
import dev.llmlb.host.http.SystemApi;
import dev.llmlb.host.inference.Generator;
import dev.llmlb.host.metrics.NodeMetrics;
import dev.llmlb.host.models.ModelLifecycle;
import dev.llmlb.host.plugins.PluginRegistry;
import io.helidon.webserver.WebServer;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A running node: its {@link NodeParts}, the model lifecycle, and the web server listening.
 */
public final class Node implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(Node.class.getName());

    private final NodeParts parts;
    private final ModelLifecycle models;
    private final Generator generator;
    private final ClientWatch clients;
    private final Readiness readiness;
    private final WebServer server;
    private final ScheduledExecutorService housekeeping;

    private Node(NodeParts parts, ModelLifecycle models, Generator generator, ClientWatch clients,
                 Readiness readiness, WebServer server, ScheduledExecutorService housekeeping) {
        this.parts = parts;
        this.models = models;
        this.generator = generator;
        this.clients = clients;
        this.readiness = readiness;
        this.server = server;
        this.housekeeping = housekeeping;
    }

    /** Reads the settings of {@code options}: the environment over {@code <home>/.env}. */
    public static Settings settings(NodeOptions options) {
        Path home = NodeConfig.home(options.environment(), options.userHome());
        return Settings.of(options.environment(), EnvFile.read(NodeConfig.envFile(home)));
    }

    /** Reads the configuration of {@code options}. */
    public static NodeConfig config(NodeOptions options) {
        Path home = NodeConfig.home(options.environment(), options.userHome());
        return NodeConfig.from(settings(options), home, options.distDir(), physicalMemory());
    }

    /**
     * Starts a node.
     *
     * @throws ConfigException when the settings or {@code supported_models.json} are wrong; nothing was written
     */
    public static Node start(NodeOptions options) {
        NodeParts parts = NodeParts.open(options);
        try {
            NodeConfig config = parts.config();
            Catalog catalog = parts.catalog();
            PluginRegistry plugins = parts.plugins();
            NodeMetrics metrics = parts.metrics();
            requirePortFree(config);
            if (config.usesDevelopmentKey()) {
                LOG.log(Level.WARNING, "No API key is configured (LLMLB_API_KEYS); the development key ''{0}'' is "
                        + "accepted. Set LLMLB_API_KEYS before exposing this node.", NodeConfig.DEVELOPMENT_KEY);
            }
            ModelLifecycle models = new ModelLifecycle(config, catalog, plugins, parts.resolver(), options.gpus(),
                    metrics);
            Generator generator = new Generator(metrics);
            ClientWatch clients = new ClientWatch();
            Readiness readiness = new Readiness();
            AtomicReference<String> nodeName = new AtomicReference<>(config.nodeName());
            var routing = Router.build(new ApiKeys(config.acceptedKeys()),
                    new NodeHeaders(nodeName::get, readiness), metrics,
                    new HealthApi(readiness, metrics)::register,
                    new OpenAiApi(catalog, models, generator, clients, new RequestBodies(config.maxBodyBytes()))::register,
                    new NodeApi(catalog, models, plugins)::register,
                    new SystemApi(config, models, plugins, options.gpus(), readiness)::register);
            WebServer server = WebServer.builder()
                    .host(config.bind())
                    .port(config.port())
                    .shutdownHook(false)
                    .routing(routing)
                    .build()
                    .start();
            if (server.port() < 0) {
                // Taken between the check and the start: Helidon logs its own error and listens on nothing.
                server.stop();
                throw portInUse(config);
            }
            ScheduledExecutorService housekeeping = Executors.newSingleThreadScheduledExecutor(
                    Thread.ofPlatform().name("housekeeping").daemon(true).factory());
            long every = Math.max(1, Math.min(30, config.idleTimeout().toSeconds() / 2));
            housekeeping.scheduleWithFixedDelay(models::unloadIdle, every, every, TimeUnit.SECONDS);
            nodeName.compareAndSet(config.nodeName(), config.nodeName() + ":" + server.port());
            readiness.started();
            LOG.log(Level.INFO, "llmlb-node listening on http://{0}:{1} with {2} models in {3}", config.bind(),
                    Integer.toString(server.port()), catalog.models().size(), config.catalogFile());
            return new Node(parts, models, generator, clients, readiness, server, housekeeping);
        } catch (RuntimeException e) {
            parts.close();
            throw e;
        }
    }

    /** Fails in one clear line when another program listens on the node's address and port. */
    private static void requirePortFree(NodeConfig config) {
        if (config.port() == 0) {
            return;
        }
        try (ServerSocket probe = new ServerSocket()) {
            probe.setReuseAddress(true);
            probe.bind(new InetSocketAddress(config.bind(), config.port()));
        } catch (IOException e) {
            throw portInUse(config);
        }
    }

    private static ConfigException portInUse(NodeConfig config) {
        return new ConfigException(List.of("LLMLB_PORT: cannot listen on " + config.bind() + ":" + config.port()
                + ", another program uses that port (or the address is not this machine's); stop it, or set "
                + "LLMLB_PORT (and LLMLB_BIND) to a free one"));
    }

    private static long physicalMemory() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getTotalMemorySize();
        }
        return Runtime.getRuntime().maxMemory();
    }

    /** The port the server listens on (useful when configured as 0). */
    public int port() {
        return server.port();
    }

    public NodeConfig config() {
        return parts.config();
    }

    public ModelLifecycle models() {
        return models;
    }

    public Catalog catalog() {
        return parts.catalog();
    }

    public PluginRegistry plugins() {
        return parts.plugins();
    }

    /** Whether a source plugin for {@code source} and an engine for {@code format} are both installed. */
    public boolean canServe(String source, String format) {
        return parts.plugins().source(source).isPresent() && !parts.plugins().engines(format).isEmpty();
    }

    /**
     * Stops taking requests (readiness turns 503), lets in-flight requests finish within the grace period,
     * then stops the server and unloads every model.
     */
    public void drainAndStop(Duration grace) {
        readiness.draining();
        ModelLifecycle.Load load = models.load();
        LOG.log(Level.INFO, "Draining: waiting up to {0} for {1} requests", grace, load.running() + load.queued());
        long deadline = System.nanoTime() + grace.toNanos();
        while (!models.isIdle() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        close();
    }

    @Override
    public void close() {
        readiness.draining();
        housekeeping.shutdownNow();
        server.stop();
        clients.close();
        generator.close();
        models.close();
        parts.close();
        LOG.log(Level.INFO, "llmlb-node stopped");
    }
}
