package org.example.javallama;

import dev.llmlb.api.engine.LocalModel;
import dev.llmlb.api.source.ModelFormats;
import dev.llmlb.testkit.models.GgufWriter;
import dev.llmlb.testkit.models.TinyLlamaWeights;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Generated models written as GGUF, handed over as the node hands a downloaded model to an engine. */
final class TinyGguf {

    private TinyGguf() {
    }

    static LocalModel write(TinyLlamaWeights weights, Path folder) {
        try {
            Files.createDirectories(folder);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return local(new GgufWriter(weights).write(folder.resolve("model.gguf")));
    }

    static LocalModel local(Path file) {
        try {
            return new LocalModel("tiny", file.getParent(), ModelFormats.GGUF,
                    List.of(file.getFileName().toString()), List.of(Files.size(file)),
                    Map.of(ModelFormats.ENTRY_FILE, file.getFileName().toString()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
