package dev.llmlb.it.bench;

import dev.llmlb.api.engine.GenerationRequest;
import dev.llmlb.api.engine.InferenceEngine;
import dev.llmlb.api.engine.InferenceEngineFactory;
import dev.llmlb.api.engine.LoadOptions;
import dev.llmlb.api.engine.LoadedModel;
import dev.llmlb.api.engine.LocalModel;
import dev.llmlb.api.engine.Prompt;
import dev.llmlb.api.engine.SamplingParams;
import dev.llmlb.api.source.ModelFormats;
import dev.llmlb.testkit.tck.TestPluginContext;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.Semaphore;
import java.util.stream.Stream;

/**
 * One engine plugin called directly, as the node calls it but without HTTP: concurrent greedy streams on one loaded
 * model, at most {@code parallelSequences} at once (the host's rule), the rest waiting. Run in a process of its own
 * with that engine's class path by {@link ConcurrentStreamsBench}, which sends one line per measurement on standard
 * input, {@code <streams> <round>}, and reads back {@code direct <streams> <tokens> <seconds>}; an empty line or the
 * end of input ends it. It prints {@code ready} once the model is loaded and warm.
 *
 * <p>Arguments: engine format model-folder threads context-per-sequence parallel tokens; engine settings come from
 * {@code LLMLB_*} environment variables.
 */
public final class DirectStreams {

    private DirectStreams() {
    }

    public static void main(String[] args) throws Exception {
        String engineName = args[0];
        String format = args[1];
        Path folder = Path.of(args[2]);
        int threads = Integer.parseInt(args[3]);
        int context = Integer.parseInt(args[4]);
        int parallel = Integer.parseInt(args[5]);
        int tokens = Integer.parseInt(args[6]);

        InferenceEngineFactory factory = ServiceLoader.load(InferenceEngineFactory.class).stream()
                .map(ServiceLoader.Provider::get).filter(f -> f.name().equals(engineName)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no engine " + engineName + " on the class path"));
        Map<String, String> settings = new HashMap<>();
        System.getenv().forEach((k, v) -> {
            if (k.startsWith("LLMLB_")) {
                settings.put(k, v);
            }
        });
        InferenceEngine engine = factory.create(new TestPluginContext(settings, folder.getParent(), false));
        LoadedModel model = engine.load(local(format, folder), new LoadOptions(threads, context, parallel,
                LoadOptions.Placement.CPU, Map.of()));
        Semaphore sequences = new Semaphore(model.info().parallelSequences(), true);
        System.out.println("info parallel " + model.info().parallelSequences());
        StreamLoad.Generation generation = prompt -> {
            sequences.acquire();
            try {
                return model.generate(new GenerationRequest(new Prompt.Text(prompt), tokens,
                        SamplingParams.greedy()), piece -> true).completionTokens();
            } finally {
                sequences.release();
            }
        };
        StreamLoad.run(1, 0, generation); // warm-up
        System.out.println("ready");
        BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line = commands.readLine(); line != null && !line.isBlank(); line = commands.readLine()) {
            String[] f = line.trim().split(" ");
            StreamLoad.Result result = StreamLoad.run(Integer.parseInt(f[0]), Integer.parseInt(f[1]), generation);
            System.out.printf("direct %d %d %.4f%n", result.streams(), result.tokens(), result.seconds());
        }
        model.close();
        engine.close();
        // java-llama.cpp leaves a native thread that would keep this JVM alive.
        System.exit(0);
    }

    /** The model as the host hands it over, for the formats the benchmark writes. */
    static LocalModel local(String format, Path folder) throws Exception {
        List<String> names = new ArrayList<>();
        List<Long> sizes = new ArrayList<>();
        try (Stream<Path> files = Files.walk(folder)) {
            for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
                names.add(folder.relativize(file).toString());
                sizes.add(Files.size(file));
            }
        }
        Map<String, String> metadata = switch (format) {
            case ModelFormats.GGUF -> Map.of(ModelFormats.ENTRY_FILE, "model.gguf");
            case ModelFormats.ONNX -> Map.of(ModelFormats.ENTRY_FILE, "onnx/model.onnx",
                    ModelFormats.ARCHITECTURE, "LlamaForCausalLM");
            default -> Map.of(ModelFormats.ARCHITECTURE, "LlamaForCausalLM");
        };
        return new LocalModel(folder.getFileName().toString(), folder, format, names, sizes, metadata);
    }
}
