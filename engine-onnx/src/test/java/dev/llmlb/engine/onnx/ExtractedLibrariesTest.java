package dev.llmlb.engine.onnx;

import dev.llmlb.testkit.models.OnnxWriter;
import dev.llmlb.testkit.models.TinyLlamaConfig;
import dev.llmlb.testkit.models.TinyLlamaWeights;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

class ExtractedLibrariesTest {

    @Test
    void theNativeLibrariesOnnxRuntimeExtractedAreGoneOnceAModelIsLoaded(@TempDir Path dir) throws Exception {
        Path model = new OnnxWriter(TinyLlamaWeights.generate(TinyLlamaConfig.tiny())).writeRepo(dir);
        try (OnnxDecoder decoder = OnnxDecoder.open(model, OnnxOptions.cpu());
             DecoderSequence sequence = decoder.newSequence()) {
            Path extracted = ExtractedLibraries.directory();
            assertNotNull(extracted, "ONNX Runtime's extraction folder is found (a new release may have renamed it)");
            try (Stream<Path> files = Files.list(extracted)) {
                assertEquals(0, files.count(), "nothing left in " + extracted);
            }
            assertEquals(decoder.config().vocabSize(), sequence.step(1).length, "the runtime works without them");
        }
    }
}
