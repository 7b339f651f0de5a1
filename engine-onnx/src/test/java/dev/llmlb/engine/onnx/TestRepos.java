package dev.llmlb.engine.onnx;

import dev.llmlb.api.engine.LocalModel;
import dev.llmlb.api.source.ModelFormats;
import dev.llmlb.testkit.tck.TestPluginContext;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** Generated ONNX repo folders as the host hands them to the engine, and the context it creates the engine in. */
final class TestRepos {

    private TestRepos() {
    }

    /**
     * No settings but DJL's cache at DJL's own default, so the tokenizers' native library is extracted once per
     * machine rather than once per test run.
     */
    static TestPluginContext context(Path home, Map<String, String> settings) {
        Map<String, String> all = new java.util.HashMap<>(settings);
        all.putIfAbsent("LLMLB_DJL_CACHE_DIR", Path.of(System.getProperty("user.home"), ".djl.ai").toString());
        return new TestPluginContext(all, home, false);
    }

    /** The model as source-hf-onnx records it: every file of the folder, the graph as the entry file. */
    static LocalModel local(Path folder, String entry) {
        try (Stream<Path> walk = Files.walk(folder)) {
            List<String> names = new ArrayList<>();
            List<Long> sizes = new ArrayList<>();
            for (Path file : walk.filter(Files::isRegularFile).sorted().toList()) {
                names.add(folder.relativize(file).toString());
                sizes.add(Files.size(file));
            }
            return new LocalModel(folder.getFileName().toString(), folder, ModelFormats.ONNX, names, sizes,
                    Map.of(ModelFormats.ENTRY_FILE, entry, ModelFormats.ARCHITECTURE, "LlamaForCausalLM"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static LocalModel local(Path folder) {
        return local(folder, "onnx/model.onnx");
    }
}
