package dev.llmlb.demo;

import dev.llmlb.host.LogFormat;
import dev.llmlb.host.Node;
import dev.llmlb.host.NodeOptions;
import dev.llmlb.host.config.ConfigException;
import dev.llmlb.testkit.hub.FakeHub;
import dev.llmlb.testkit.models.GgufWriter;
import dev.llmlb.testkit.models.OnnxWriter;
import dev.llmlb.testkit.models.SafetensorsWriter;
import dev.llmlb.testkit.models.TinyLlamaConfig;
import dev.llmlb.testkit.models.TinyLlamaWeights;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Starts a node the way the user's quickstart describes, with no network: a local hub on this machine serves a tiny
 * generated model under the quickstart's repository and file name, the catalog lists it as {@code llama-3.2-1b},
 * and the node listens on the usual port, so the quickstart's curl call downloads, loads and answers. The same
 * weights are served as a safetensors and an ONNX repository too ({@code demo-safetensors}, {@code demo-onnx}), and
 * the banner names those whose source and engine are installed. The demo's home is {@code ~/.llmlb-demo} (or
 * {@code LLMLB_HOME}), never the real one.
 */
public final class DemoMain {

    static final String REPO = "bartowski/Llama-3.2-1B-Instruct-GGUF";
    static final String FILE = "Llama-3.2-1B-Instruct-Q4_K_M.gguf";
    static final String SAFETENSORS_REPO = "llmlb-demo/tiny-llama";
    static final String ONNX_REPO = "llmlb-demo/tiny-llama-onnx";

    /** A demo model: its catalog id, its source, and the format whose engine runs it. */
    record DemoModel(String id, String source, String format) {
    }

    static final List<DemoModel> MODELS = List.of(new DemoModel("llama-3.2-1b", "hf_gguf", "gguf"),
            new DemoModel("demo-safetensors", "hf_safetensors", "safetensors"),
            new DemoModel("demo-onnx", "hf_onnx", "onnx"));

    private DemoMain() {
    }

    public static void main(String[] args) throws Exception {
        LogFormat.install(System.getenv().getOrDefault("LLMLB_LOG_LEVEL", "INFO"));
        NodeOptions process = NodeOptions.fromProcess();
        Map<String, String> environment = new HashMap<>(process.environment());
        Path home = Path.of(environment.getOrDefault("LLMLB_HOME",
                process.userHome().resolve(".llmlb-demo").toString()));
        environment.put("LLMLB_HOME", home.toString());
        environment.remove("LLMLB_SUPPORTED_MODELS");
        environment.remove("LLMLB_MODELS_DIR");
        environment.remove("HF_HUB_OFFLINE");
        Files.createDirectories(home);

        Path generated = Files.createDirectories(home.resolve("hub"));
        Path gguf = generated.resolve(FILE);
        TinyLlamaWeights weights = TinyLlamaWeights.generate(TinyLlamaConfig.tiny());
        if (!Files.exists(gguf)) {
            new GgufWriter(weights).name("llmlb demo (random weights)").write(gguf);
        }
        Path safetensors = generated.resolve("safetensors");
        if (!Files.exists(safetensors)) {
            new SafetensorsWriter(weights).writeRepo(safetensors);
        }
        Path onnx = generated.resolve("onnx");
        if (!Files.exists(onnx)) {
            new OnnxWriter(weights).writeRepo(onnx);
        }
        FakeHub hub = FakeHub.start();
        hub.repo(REPO).lfsFile(FILE, gguf);
        hub.repo(SAFETENSORS_REPO).folder(safetensors);
        hub.repo(ONNX_REPO).folder(onnx);
        environment.put("HF_ENDPOINT", hub.endpoint().toString());
        Files.writeString(home.resolve("supported_models.json"), catalog(Files.size(gguf)));

        Node node;
        try {
            node = Node.start(new NodeOptions(environment, process.userHome(), process.distDir(), process.gpus()));
        } catch (ConfigException e) {
            if (e.problems().size() == 1) {
                System.err.println("The demo cannot start: " + e.problems().get(0));
            } else {
                System.err.println("The demo cannot start:");
                e.problems().forEach(p -> System.err.println("  - " + p));
            }
            hub.close();
            System.exit(2);
            return;
        }
        List<DemoModel> runnable = MODELS.stream().filter(m -> node.canServe(m.source(), m.format())).toList();
        System.out.println(banner(node.port(), home, runnable));
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(() -> {
            node.drainAndStop(node.config().shutdownGrace());
            hub.close();
            Runtime.getRuntime().halt(0);
        }));
    }

    static String catalog(long size) {
        return """
                {
                  "models": [
                    {
                      "id": "llama-3.2-1b",
                      "name": "Llama 3.2 1B (demo: tiny, random weights)",
                      "source": "hf_gguf",
                      "repo_id": "%s",
                      "artifacts": [{"filename": "%s", "size_bytes": %d}],
                      "required_vram_mb": 0,
                      "tags": ["demo"]
                    },
                    {
                      "id": "demo-safetensors",
                      "name": "Tiny Llama as safetensors (demo: random weights)",
                      "source": "hf_safetensors",
                      "repo_id": "%s",
                      "tags": ["demo"]
                    },
                    {
                      "id": "demo-onnx",
                      "name": "Tiny Llama as ONNX (demo: random weights)",
                      "source": "hf_onnx",
                      "repo_id": "%s",
                      "tags": ["demo"]
                    }
                  ]
                }
                """.formatted(REPO, FILE, size, SAFETENSORS_REPO, ONNX_REPO);
    }

    static String banner(int port, Path home, List<DemoModel> runnable) {
        String models = runnable.stream().map(m -> m.id() + " (" + m.format() + ")")
                .collect(Collectors.joining(", "));
        return """

                ======================================================================================
                 llmlb-node demo on http://127.0.0.1:%1$d

                 A local hub on this machine serves a tiny model under the quickstart's name
                 (llama-3.2-1b). Its weights are RANDOM: it downloads, loads and answers like a real
                 model, but what it writes is random text.

                 The same weights in every installed format: %3$s.
                 Put another id in "model" to try its engine.

                 Try the quickstart's call (the first one downloads the model):

                   curl -X POST http://localhost:%1$d/v1/chat/completions \\
                     -H "Content-Type: application/json" -H "Authorization: Bearer sk_debug" \\
                     -d '{"model": "llama-3.2-1b", "messages": [{"role": "user", "content": "Hello!"}]}'

                   curl http://localhost:%1$d/v0/models/llama-3.2-1b/status -H "Authorization: Bearer sk_debug"

                 Demo files: %2$s (delete it to start over). Stop with Ctrl+C.
                ======================================================================================
                """.formatted(port, home, models);
    }
}
