package dev.llmlb.host.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmlb.host.config.NodeConfig;
import dev.llmlb.host.json.Json;
import dev.llmlb.host.models.ModelLifecycle;
import dev.llmlb.host.models.ModelStatus;
import dev.llmlb.host.plugins.PluginRegistry;
import dev.llmlb.host.system.GpuProbe;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What a load balancer polls to register and watch a node: {@code GET /v0/health} (status {@code online},
 * {@code busy} or {@code offline}, with load, GPU and memory figures) and {@code GET /v0/system} (the machine).
 */
public final class SystemApi {

    /** The node's version, from the jar's manifest when packaged. */
    static final String VERSION = java.util.Optional.ofNullable(SystemApi.class.getPackage().getImplementationVersion())
            .orElse("dev");

    private final NodeConfig config;
    private final ModelLifecycle models;
    private final PluginRegistry plugins;
    private final GpuProbe gpus;
    private final Readiness readiness;
    private final long startedMillis = System.currentTimeMillis();

    public SystemApi(NodeConfig config, ModelLifecycle models, PluginRegistry plugins, GpuProbe gpus,
                     Readiness readiness) {
        this.config = config;
        this.models = models;
        this.plugins = plugins;
        this.gpus = gpus;
        this.readiness = readiness;
    }

    public void register(HttpRouting.Builder routing) {
        Endpoint.at("/v0/health").get(this::health).register(routing);
        Endpoint.at("/v0/system").get(this::system).register(routing);
    }

    /** {@code offline} while starting or draining; {@code busy} while requests wait for a free sequence. */
    private void health(ServerRequest req, ServerResponse res) {
        ModelLifecycle.Load load = models.load();
        String status = !readiness.isReady() ? "offline" : load.queued() > 0 ? "busy" : "online";
        ObjectNode body = Json.object();
        body.put("status", status);
        body.put("ready", readiness.isReady());
        body.put("uptime_seconds", (System.currentTimeMillis() - startedMillis) / 1000);
        ObjectNode requests = body.putObject("requests");
        requests.put("running", load.running());
        requests.put("queued", load.queued());
        requests.put("queue_limit_per_model", config.queueSize());
        requests.put("queue_limit", config.maxQueued());
        // Batch occupancy: sequences running over the sequences the loaded models can run at once.
        requests.put("sequences", load.sequences());
        body.put("downloading_models", load.downloading());
        ArrayNode loaded = body.putArray("loaded_models");
        for (ModelStatus model : models.loaded()) {
            ObjectNode entry = loaded.addObject();
            entry.put("id", model.modelId());
            entry.put("engine", model.engine());
            entry.put("device", model.device());
            entry.put("memory_bytes", model.memoryBytes());
            entry.put("running", model.running());
            entry.put("parallel_sequences", model.parallelSequences());
        }
        ObjectNode memory = body.putObject("memory");
        memory.put("total_bytes", osBean().getTotalMemorySize());
        memory.put("free_bytes", osBean().getFreeMemorySize());
        memory.put("process_bytes", residentBytes());
        memory.put("models_bytes", load.loadedBytes());
        memory.put("budget_bytes", config.memoryBudgetBytes());
        body.put("load_average", osBean().getSystemLoadAverage());
        body.set("gpus", gpuList());
        Responses.json(res, readiness.isReady() ? 200 : 503, body);
    }

    private void system(ServerRequest req, ServerResponse res) {
        ObjectNode body = Json.object();
        body.put("version", VERSION);
        body.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        body.put("arch", System.getProperty("os.arch"));
        body.put("cpu_cores", Runtime.getRuntime().availableProcessors());
        body.put("memory_total_bytes", osBean().getTotalMemorySize());
        body.put("java", Runtime.version().toString());
        body.set("gpus", gpuList());
        body.put("models_dir", config.modelsDir().toString());
        try {
            body.put("models_dir_free_bytes", Files.getFileStore(config.modelsDir()).getUsableSpace());
        } catch (IOException e) {
            body.putNull("models_dir_free_bytes");
        }
        ArrayNode engines = body.putArray("engines");
        plugins.plugins().stream().filter(p -> p.kind().equals("engine")).forEach(p -> {
            ObjectNode engine = engines.addObject();
            engine.put("name", p.name());
            p.formats().stream().sorted().forEach(engine.putArray("formats")::add);
        });
        ArrayNode sources = body.putArray("sources");
        plugins.plugins().stream().filter(p -> p.kind().equals("source")).forEach(p -> sources.add(p.name()));
        Responses.json(res, body);
    }

    private ArrayNode gpuList() {
        ArrayNode list = Json.mapper().createArrayNode();
        for (GpuProbe.Gpu gpu : gpus.gpus()) {
            ObjectNode entry = list.addObject();
            entry.put("index", gpu.index());
            entry.put("name", gpu.name());
            entry.put("memory_total_mb", gpu.totalMb());
            entry.put("memory_free_mb", gpu.freeMb());
        }
        return list;
    }

    private static com.sun.management.OperatingSystemMXBean osBean() {
        return (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    }

    /** The process's resident memory (Linux), else the JVM's committed heap. */
    private static long residentBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: fall through
        }
        return Runtime.getRuntime().totalMemory();
    }
}
