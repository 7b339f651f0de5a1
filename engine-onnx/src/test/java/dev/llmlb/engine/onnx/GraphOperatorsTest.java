package dev.llmlb.engine.onnx;

import dev.llmlb.api.engine.EngineException;
import dev.llmlb.testkit.models.OnnxWriter;
import dev.llmlb.testkit.models.TinyLlamaConfig;
import dev.llmlb.testkit.models.TinyLlamaWeights;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GraphOperatorsTest {

    @TempDir
    Path dir;

    @Test
    void theOperatorsOfAGraphAreReadWithTheirDomainWhateverHoldsTheWeights() {
        TinyLlamaWeights weights = TinyLlamaWeights.generate(TinyLlamaConfig.tiny());
        Set<String> standard = GraphOperators.of(new OnnxWriter(weights).writeRepo(dir.resolve("embedded")));
        assertTrue(standard.containsAll(Set.of(":MatMul", ":Softmax", ":Gather")), standard.toString());
        assertFalse(standard.stream().anyMatch(op -> op.startsWith("com.microsoft:")), standard.toString());
        Set<String> genai = GraphOperators.of(new OnnxWriter(weights).externalData(true)
                .signature(OnnxWriter.Signature.onnxRuntimeGenAi()).writeRepo(dir.resolve("genai")));
        assertTrue(genai.contains("com.microsoft:GroupQueryAttention"), genai.toString());
        assertFalse(genai.contains(":Softmax"), genai.toString());
    }

    @Test
    void aFileThatIsNotAModelIsNamed() throws Exception {
        Path junk = Files.write(dir.resolve("junk.onnx"), new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF});
        EngineException e = assertThrows(EngineException.class, () -> GraphOperators.of(junk));
        assertTrue(e.getMessage().contains("junk.onnx"), e.getMessage());
    }
}
