package dev.llmlb.engine.djl;

import dev.llmlb.testkit.tck.TestPluginContext;
import dev.llmlb.api.PluginContext;
import dev.llmlb.api.engine.InferenceEngine;
import dev.llmlb.api.engine.LocalModel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** The engine as the host creates it, and generated model folders as the host hands them over. */
final class TestModels {

    private TestModels() {
    }

    /**
     * A plugin context whose DJL cache is DJL's own default, so libtorch is extracted once per machine rather than
     * once per test run (the node itself uses its home folder).
     */
    static PluginContext context(Path home) {
        return new TestPluginContext(Map.of("LLMLB_DJL_CACHE_DIR",
                Path.of(System.getProperty("user.home"), ".djl.ai").toString()), home, false);
    }

    static InferenceEngine engine(Path home) {
        return new DjlEngineFactory().create(context(home));
    }

    /** A downloaded model as the host describes it: every file of the folder, the architecture recorded. */
    static LocalModel local(Path folder, String architecture) {
        try (Stream<Path> files = Files.list(folder)) {
            List<String> names = new ArrayList<>();
            List<Long> sizes = new ArrayList<>();
            for (Path file : files.sorted().toList()) {
                names.add(file.getFileName().toString());
                sizes.add(Files.size(file));
            }
            return new LocalModel(folder.getFileName().toString(), folder, "safetensors", names, sizes,
                    Map.of("architecture", architecture));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
