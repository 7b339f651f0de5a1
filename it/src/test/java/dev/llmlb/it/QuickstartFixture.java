package dev.llmlb.it;

import dev.llmlb.testkit.hub.FakeHub;
import dev.llmlb.testkit.models.GgufWriter;
import dev.llmlb.testkit.models.TinyLlamaConfig;
import dev.llmlb.testkit.models.TinyLlamaWeights;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The quickstart's world, offline: a fake hub holding {@code bartowski/Llama-3.2-1B-Instruct-GGUF} with a generated
 * tiny model under the quickstart's file name, and a home whose catalog is the quickstart's entry.
 */
final class QuickstartFixture {

    static final String REPO = "bartowski/Llama-3.2-1B-Instruct-GGUF";
    static final String FILE = "Llama-3.2-1B-Instruct-Q4_K_M.gguf";

    private QuickstartFixture() {
    }

    /** Writes the model into {@code scratch}, serves it from {@code hub}; returns its size. */
    static long serveModel(FakeHub hub, Path scratch) {
        try {
            // Greedy requests never end early (see withoutEndOfSequence); sampled ones rarely do.
            Path gguf = new GgufWriter(TinyLlamaWeights.generate(TinyLlamaConfig.tiny()).withoutEndOfSequence())
                    .name("Llama 3.2 1B (tiny test)").write(scratch.resolve(FILE));
            hub.repo(REPO).lfsFile(FILE, gguf);
            return Files.size(gguf);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The quickstart's {@code supported_models.json}, with the generated file's size. */
    static void writeCatalog(Path home, long size) {
        try {
            Files.createDirectories(home);
            Files.writeString(home.resolve("supported_models.json"), """
                    {
                      "models": [
                        {
                          "id": "llama-3.2-1b",
                          "name": "Llama 3.2 1B",
                          "source": "hf_gguf",
                          "repo_id": "bartowski/Llama-3.2-1B-Instruct-GGUF",
                          "artifacts": [
                            {
                              "filename": "Llama-3.2-1B-Instruct-Q4_K_M.gguf",
                              "size_bytes": %d
                            }
                          ],
                          "required_vram_mb": 2048,
                          "tags": ["chat", "instruct"]
                        }
                      ]
                    }""".formatted(size));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
