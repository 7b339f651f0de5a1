package dev.llmlb.engine.hf;

import dev.llmlb.testkit.models.SafetensorsWriter;
import dev.llmlb.testkit.models.TinyLlamaConfig;
import dev.llmlb.testkit.models.TinyLlamaWeights;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The tiny generated model's HuggingFace folder, written once per test JVM. */
final class TinyRepo {

    private static Path folder;

    private TinyRepo() {
    }

    static synchronized Path folder() {
        if (folder == null) {
            // DJL's own default cache, so the tokenizer library is extracted once per machine, not per test run.
            DjlRuntime.configure(Path.of(System.getProperty("user.home"), ".djl.ai"));
            try {
                Path dir = Files.createTempDirectory("hf-common-tiny");
                dir.toFile().deleteOnExit();
                folder = new SafetensorsWriter(TinyLlamaWeights.generate(TinyLlamaConfig.tiny())).writeRepo(dir);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return folder;
    }

    /** A copy of the tiny folder with {@code tokenizer_config.json} replaced. */
    static Path withTokenizerConfig(Path target, String tokenizerConfigJson) throws IOException {
        Files.createDirectories(target);
        for (String file : new String[] {"config.json", "generation_config.json", "tokenizer.json"}) {
            Files.copy(folder().resolve(file), target.resolve(file));
        }
        Files.writeString(target.resolve("tokenizer_config.json"), tokenizerConfigJson);
        return target;
    }
}
