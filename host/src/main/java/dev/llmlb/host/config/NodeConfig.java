package dev.llmlb.host.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

/**
 * The node's typed configuration, read from {@link Settings}. Every setting is documented in the README; the
 * names here are the environment-variable names.
 *
 * @param home                   {@code LLMLB_HOME}, default {@code ~/.llmlb}
 * @param catalogFile            {@code LLMLB_SUPPORTED_MODELS}, default {@code <home>/supported_models.json}
 * @param modelsDir              {@code LLMLB_MODELS_DIR}, default {@code <home>/models}
 * @param pluginsDir             {@code LLMLB_PLUGINS_DIR}, default {@code <dist>/plugins} when started from the dist
 * @param bind                   {@code LLMLB_BIND}, default {@code 127.0.0.1}
 * @param port                   {@code LLMLB_PORT}, default 8080; 0 picks a free port
 * @param apiKeys                {@code LLMLB_API_KEYS}, comma separated; empty means the development key
 * @param hubEndpoint            {@code HF_ENDPOINT}, default {@code https://huggingface.co}
 * @param hubToken               {@code HF_TOKEN}
 * @param offline                {@code HF_HUB_OFFLINE}
 * @param downloadTimeout        {@code LLMLB_DOWNLOAD_TIMEOUT}, default 5 minutes
 * @param maxConcurrentDownloads {@code LLMLB_MAX_CONCURRENT_DOWNLOADS}, default 1
 * @param maxBodyBytes           {@code LLMLB_MAX_BODY_BYTES}, default 16 MiB
 * @param threads                {@code LLMLB_THREADS}, default the number of processors
 * @param contextLength          {@code LLMLB_CONTEXT_LENGTH}, default 0 (each model's own, capped by the engine)
 * @param maxLoadedModels        {@code LLMLB_MAX_LOADED_MODELS}, default 2
 * @param memoryBudgetBytes      {@code LLMLB_MEMORY_BUDGET}, default 75% of physical memory
 * @param idleTimeout            {@code LLMLB_IDLE_TIMEOUT}, default 10 minutes; 0 keeps models loaded
 * @param queueSize              {@code LLMLB_QUEUE_SIZE}, requests waiting per model, default 512
 * @param gpu                    {@code LLMLB_GPU}: {@code auto} (default), {@code on} or {@code off}
 * @param gpuLayers              {@code LLMLB_GPU_LAYERS}, default -1 (all)
 * @param cpuFallback            {@code LLMLB_CPU_FALLBACK}: run on CPU when VRAM is short, default true
 * @param shutdownGrace          {@code LLMLB_SHUTDOWN_GRACE}, how long in-flight requests may finish, default 30s
 * @param nodeName               {@code LLMLB_NODE_NAME}, how the node names itself in {@code X-Llmlb-Node} (with
 *                               its port), default the host name
 * @param parallel               {@code LLMLB_PARALLEL}, generations run at once per model (engines may give
 *                               fewer), default 4
 * @param maxQueued              {@code LLMLB_MAX_QUEUED}, requests waiting in the whole node (for a download, a
 *                               load or a free sequence), default 2048
 * @param allowDevelopmentKey    {@code LLMLB_ALLOW_DEV_KEY}: accept the public development key even when bound
 *                               beyond loopback, default false
 * @param hubTimeout             {@code LLMLB_HUB_TIMEOUT}, how long a hub metadata request may take, default 10s
 * @param downloadConnections    {@code LLMLB_DOWNLOAD_CONNECTIONS}, concurrent range requests per large file,
 *                               default 8
 */
public record NodeConfig(Path home, Path catalogFile, Path modelsDir, Optional<Path> pluginsDir, String bind, int port,
                         List<String> apiKeys, URI hubEndpoint, Optional<String> hubToken, boolean offline,
                         Duration downloadTimeout, int maxConcurrentDownloads, long maxBodyBytes, int threads,
                         int contextLength, int maxLoadedModels, long memoryBudgetBytes, Duration idleTimeout,
                         int queueSize, GpuMode gpu, int gpuLayers, boolean cpuFallback, Duration shutdownGrace,
                         String nodeName, int parallel, int maxQueued, boolean allowDevelopmentKey,
                         Duration hubTimeout, int downloadConnections) {

    /** The key accepted when no key is configured, as the user's document uses it. */
    public static final String DEVELOPMENT_KEY = "sk_debug";
    public static final URI DEFAULT_HUB = URI.create("https://huggingface.co");

    public NodeConfig {
        apiKeys = List.copyOf(apiKeys);
    }

    /** Whether GPUs should be used. */
    public enum GpuMode { AUTO, ON, OFF }

    /** The {@code .env} file of a home folder. */
    public static Path envFile(Path home) {
        return home.resolve(".env");
    }

    /** The home folder: {@code LLMLB_HOME} from the environment, else {@code ~/.llmlb}. */
    public static Path home(java.util.Map<String, String> environment, Path userHome) {
        String configured = environment.get("LLMLB_HOME");
        return configured == null || configured.isBlank() ? userHome.resolve(".llmlb") : Path.of(configured);
    }

    /**
     * Reads the configuration.
     *
     * @param distDir the distribution folder when started from it (its {@code plugins/} is the default plugin folder)
     * @throws ConfigException listing every setting that cannot be read
     */
    public static NodeConfig from(Settings s, Path home, Optional<Path> distDir, long physicalMemoryBytes) {
        Reader r = new Reader(s);
        Path catalog = r.get("LLMLB_SUPPORTED_MODELS", Path::of, home.resolve("supported_models.json"));
        Path models = r.get("LLMLB_MODELS_DIR", Path::of, home.resolve("models"));
        Optional<Path> plugins = s.get("LLMLB_PLUGINS_DIR").map(Path::of)
                .or(() -> distDir.map(d -> d.resolve("plugins")));
        String bind = s.get("LLMLB_BIND", "127.0.0.1");
        int port = r.get("LLMLB_PORT", Integer::parseInt, 8080);
        if (port < 0 || port > 65535) {
            r.problem("LLMLB_PORT", "must be 0..65535, got " + port);
        }
        List<String> keys = s.get("LLMLB_API_KEYS").map(v -> Arrays.stream(v.split(","))
                .map(String::strip).filter(k -> !k.isEmpty()).toList()).orElse(List.of());
        URI hub = r.get("HF_ENDPOINT", NodeConfig::endpoint, DEFAULT_HUB);
        boolean offline = r.get("HF_HUB_OFFLINE", Values::bool, false);
        Duration timeout = r.get("LLMLB_DOWNLOAD_TIMEOUT", Values::duration, Duration.ofMinutes(5));
        int downloads = r.positive("LLMLB_MAX_CONCURRENT_DOWNLOADS", 1);
        long body = r.get("LLMLB_MAX_BODY_BYTES", Values::bytes, 16L << 20);
        int threads = r.positive("LLMLB_THREADS", Runtime.getRuntime().availableProcessors());
        int context = r.get("LLMLB_CONTEXT_LENGTH", Integer::parseInt, 0);
        int loaded = r.positive("LLMLB_MAX_LOADED_MODELS", 2);
        long budget = r.get("LLMLB_MEMORY_BUDGET", Values::bytes, physicalMemoryBytes / 4 * 3);
        Duration idle = r.get("LLMLB_IDLE_TIMEOUT", Values::duration, Duration.ofMinutes(10));
        int queue = r.get("LLMLB_QUEUE_SIZE", Integer::parseInt, 512);
        int parallel = r.positive("LLMLB_PARALLEL", 4);
        int maxQueued = r.positive("LLMLB_MAX_QUEUED", 2048);
        boolean allowDevKey = r.get("LLMLB_ALLOW_DEV_KEY", Values::bool, false);
        Duration hubTimeout = r.get("LLMLB_HUB_TIMEOUT", Values::duration, Duration.ofSeconds(10));
        int connections = r.positive("LLMLB_DOWNLOAD_CONNECTIONS", 8);
        GpuMode gpu = r.get("LLMLB_GPU", v -> GpuMode.valueOf(v.toUpperCase(Locale.ROOT)), GpuMode.AUTO);
        int gpuLayers = r.get("LLMLB_GPU_LAYERS", Integer::parseInt, -1);
        boolean cpuFallback = r.get("LLMLB_CPU_FALLBACK", Values::bool, true);
        Duration grace = r.get("LLMLB_SHUTDOWN_GRACE", Values::duration, Duration.ofSeconds(30));
        if (timeout.isZero() || timeout.isNegative()) {
            r.problem("LLMLB_DOWNLOAD_TIMEOUT", "must be positive");
        }
        if (hubTimeout.isZero() || hubTimeout.isNegative()) {
            r.problem("LLMLB_HUB_TIMEOUT", "must be positive");
        }
        if (queue < 0) {
            r.problem("LLMLB_QUEUE_SIZE", "must be >= 0, got " + queue);
        }
        if (context < 0) {
            r.problem("LLMLB_CONTEXT_LENGTH", "must be >= 0, got " + context);
        }
        if (body < 1024) {
            r.problem("LLMLB_MAX_BODY_BYTES", "must be at least 1KiB");
        }
        if (keys.isEmpty() && !allowDevKey && !isLoopback(bind)) {
            r.problem("LLMLB_API_KEYS", "the node would listen on " + bind + ", beyond this machine, where anyone "
                    + "could use it with the public development key '" + DEVELOPMENT_KEY + "'; set LLMLB_API_KEYS to "
                    + "your own keys (comma separated), bind to 127.0.0.1, or set LLMLB_ALLOW_DEV_KEY=true for an "
                    + "experiment on a trusted network");
        }
        r.throwIfAny();
        return new NodeConfig(home, catalog, models, plugins, bind, port, keys, hub,
                s.get("HF_TOKEN"), offline, timeout, downloads, body, threads, context, loaded, budget, idle, queue,
                gpu, gpuLayers, cpuFallback, grace, s.get("LLMLB_NODE_NAME").orElseGet(NodeConfig::hostName),
                parallel, maxQueued, allowDevKey, hubTimeout, connections);
    }

    /** Whether {@code bind} is an address of this machine only ({@code 127.0.0.1}, {@code ::1}, {@code localhost}). */
    static boolean isLoopback(String bind) {
        try {
            return java.net.InetAddress.getByName(bind).isLoopbackAddress();
        } catch (java.io.IOException e) {
            return false;
        }
    }

    /** Never shows the API keys or the hub token: configurations end up in logs. */
    @Override
    public String toString() {
        return "NodeConfig[home=" + home + ", catalog=" + catalogFile + ", models=" + modelsDir + ", plugins="
                + pluginsDir.map(Path::toString).orElse("(none)") + ", listen=" + bind + ":" + port + ", apiKeys="
                + apiKeys.size() + ", hub=" + hubEndpoint + ", hubToken=" + (hubToken.isPresent() ? "(set)" : "(none)")
                + ", offline=" + offline + "]";
    }

    /** The folder of cross-process download locks. */
    public Path locksDir() {
        return modelsDir.resolve(".locks");
    }

    /** Whether the node runs with the development key because none is configured. */
    public boolean usesDevelopmentKey() {
        return apiKeys.isEmpty();
    }

    /** The keys clients may present. */
    public List<String> acceptedKeys() {
        return apiKeys.isEmpty() ? List.of(DEVELOPMENT_KEY) : apiKeys;
    }

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "llmlb-node";
        }
    }

    private static URI endpoint(String value) {
        String trimmed = value.endsWith("/") ? value.substring(0, value.length() - 1) : value;
        URI uri = URI.create(trimmed);
        if (uri.getScheme() == null || !uri.getScheme().matches("https?") || uri.getHost() == null) {
            throw new IllegalArgumentException("must be an http(s) URL such as https://huggingface.co");
        }
        return uri;
    }

    /** Collects problems instead of stopping at the first. */
    private static final class Reader {
        private final Settings settings;
        private final List<String> problems = new ArrayList<>();

        Reader(Settings settings) {
            this.settings = settings;
        }

        <T> T get(String key, Function<String, T> parse, T fallback) {
            Optional<String> raw = settings.get(key);
            if (raw.isEmpty()) {
                return fallback;
            }
            try {
                return parse.apply(raw.get());
            } catch (RuntimeException e) {
                problem(key, "cannot read '" + raw.get() + "': " + e.getMessage());
                return fallback;
            }
        }

        int positive(String key, int fallback) {
            int value = get(key, Integer::parseInt, fallback);
            if (value < 1) {
                problem(key, "must be >= 1, got " + value);
            }
            return value;
        }

        void problem(String key, String message) {
            problems.add(key + ": " + message);
        }

        void throwIfAny() {
            if (!problems.isEmpty()) {
                throw new ConfigException(problems);
            }
        }
    }
}
