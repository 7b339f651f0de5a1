package dev.llmlb.engine.llamacpp;

import dev.llmlb.engine.llamacpp.gguf.GgufFormatException;
import dev.llmlb.engine.llamacpp.gguf.GgufMetadata;
import dev.llmlb.engine.llamacpp.gguf.GgufReader;
import dev.llmlb.testkit.models.GgufWriter;
import dev.llmlb.testkit.models.TinyLlamaConfig;
import dev.llmlb.testkit.models.TinyLlamaWeights;
import dev.llmlb.testkit.models.TinyVocabulary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GgufReaderTest {

    @Test
    void readsWhatTheEngineNeedsFromAModel(@TempDir Path dir) throws Exception {
        TinyLlamaConfig c = TinyLlamaConfig.tiny();
        GgufMetadata meta = GgufReader.read(new GgufWriter(TinyLlamaWeights.generate(c)).write(dir.resolve("m.gguf")));
        assertEquals(3, meta.version());
        assertEquals(Optional.of("llama"), meta.architecture());
        assertEquals(c.contextLength(), meta.contextLength().getAsLong());
        assertEquals((long) c.kvHeads() * c.layers(), meta.kvHeadsOverLayers().getAsLong());
        assertEquals(c.headDim(), meta.keyLength().getAsLong());
        assertEquals(Optional.of(GgufWriter.CHAT_TEMPLATE), meta.chatTemplate());
        assertTrue(meta.addsBos());
        assertEquals(TinyVocabulary.BOS, meta.bosTokenId().getAsLong());
        assertEquals(1, meta.splitCount());
        assertTrue(meta.poolingType().isEmpty());
    }

    @Test
    void refusesFilesThatAreNotWholeGguf(@TempDir Path dir) throws Exception {
        Path text = Files.writeString(dir.resolve("a.gguf"), "<html>rate limited</html>");
        assertTrue(assertThrows(GgufFormatException.class, () -> GgufReader.read(text)).getMessage()
                .contains("not a GGUF file"));
        Path whole = new GgufWriter(TinyLlamaWeights.generate(TinyLlamaConfig.tiny())).write(dir.resolve("m.gguf"));
        Path cut = Files.write(dir.resolve("cut.gguf"), Arrays.copyOf(Files.readAllBytes(whole), 3000));
        assertTrue(assertThrows(GgufFormatException.class, () -> GgufReader.read(cut)).getMessage()
                .contains("incomplete"));
        Path empty = Files.write(dir.resolve("empty.gguf"), new byte[0]);
        assertThrows(GgufFormatException.class, () -> GgufReader.read(empty));
    }
}
