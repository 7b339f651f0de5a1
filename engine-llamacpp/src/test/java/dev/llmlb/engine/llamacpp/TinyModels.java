package dev.llmlb.engine.llamacpp;

import dev.llmlb.testkit.tck.TestPluginContext;
import dev.llmlb.api.PluginContext;
import dev.llmlb.api.engine.GenerationRequest;
import dev.llmlb.api.engine.GenerationResult;
import dev.llmlb.api.engine.LoadedModel;
import dev.llmlb.api.engine.LocalModel;
import dev.llmlb.api.engine.Prompt;
import dev.llmlb.api.engine.SamplingParams;
import dev.llmlb.api.source.ModelFormats;
import dev.llmlb.testkit.models.GgufWriter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Test helpers: generated GGUF models as the host would hand them to the engine. */
final class TinyModels {

    private TinyModels() {
    }

    static PluginContext context(Map<String, String> settings, Path home) {
        return new TestPluginContext(settings, home, false);
    }

    /** A downloaded model folder holding the files {@code writer} writes as {@code model.gguf}. */
    static LocalModel write(GgufWriter writer, Path directory, String id) {
        Path file = writer.write(directory.resolve("model.gguf"));
        return local(id, directory, List.of(file));
    }

    /**
     * Rewrites {@code tokenizer.ggml.add_bos_token} in a written GGUF file to false: a model that puts no start token
     * before a prompt, so an empty prompt has nothing to continue.
     */
    static void withoutStartToken(Path file) {
        try {
            byte[] bytes = Files.readAllBytes(file);
            byte[] key = "tokenizer.ggml.add_bos_token".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            for (int i = 0; i + key.length + 5 <= bytes.length; i++) {
                if (java.util.Arrays.equals(bytes, i, i + key.length, key, 0, key.length)) {
                    int value = i + key.length + 4; // after the u32 value type (7, bool)
                    if (bytes[value - 4] != 7 || bytes[value] != 1) {
                        throw new IllegalStateException("add_bos_token is not a true bool in " + file);
                    }
                    bytes[value] = 0;
                    Files.write(file, bytes);
                    return;
                }
            }
            throw new IllegalStateException("no add_bos_token in " + file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A split model: the files {@code writeSplit} made, the first as the entry file. */
    static LocalModel writeSplit(GgufWriter writer, Path directory, String id, int parts) {
        return local(id, directory, writer.writeSplit(directory, "model", parts));
    }

    static LocalModel local(String id, Path directory, List<Path> files) {
        try {
            List<String> names = new ArrayList<>();
            List<Long> sizes = new ArrayList<>();
            for (Path f : files) {
                names.add(directory.relativize(f).toString());
                sizes.add(Files.size(f));
            }
            return new LocalModel(id, directory, ModelFormats.GGUF, names, sizes,
                    Map.of(ModelFormats.ENTRY_FILE, names.get(0)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What a generation handed its sink, and how it ended. */
    record Run(List<String> pieces, GenerationResult result) {
        String text() {
            return String.join("", pieces);
        }
    }

    static Run generate(LoadedModel model, Prompt prompt, int maxTokens, SamplingParams sampling) {
        List<String> pieces = new ArrayList<>();
        GenerationResult result = model.generate(new GenerationRequest(prompt, maxTokens, sampling), pieces::add);
        return new Run(pieces, result);
    }

    static Run greedy(LoadedModel model, String text, int maxTokens) {
        return generate(model, new Prompt.Text(text), maxTokens, SamplingParams.greedy());
    }
}
