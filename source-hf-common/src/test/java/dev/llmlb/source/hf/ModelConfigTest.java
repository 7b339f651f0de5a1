package dev.llmlb.source.hf;

import dev.llmlb.api.source.PlanningException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelConfigTest {

    @TempDir
    Path folder;

    private Path write(String json) throws IOException {
        return Files.writeString(folder.resolve("config.json"), json);
    }

    @Test
    void readsArchitectureModelTypeAndDtype() throws IOException {
        Path config = write("""
                {"architectures":["Qwen2ForCausalLM"],"model_type":"qwen2","torch_dtype":"bfloat16",
                 "hidden_size":896,"num_hidden_layers":24}""");

        assertEquals(Map.of("architecture", "Qwen2ForCausalLM", "model_type", "qwen2", "torch_dtype", "bfloat16"),
                ModelConfig.read(config, "repository o/n").properties());
    }

    @Test
    void takesTheNewerDtypeFieldWhenTorchDtypeIsAbsent() throws IOException {
        Path config = write("{\"architectures\":[\"LlamaForCausalLM\"],\"model_type\":\"llama\",\"dtype\":\"float16\"}");
        assertEquals("float16", ModelConfig.read(config, "repository o/n").torchDtype().orElseThrow());
    }

    @Test
    void leavesOutWhatTheConfigDoesNotSay() throws IOException {
        assertEquals(Map.of(), ModelConfig.read(write("{\"architectures\":[]}"), "repository o/n").properties());
    }

    @Test
    void explainsAConfigThatIsNotJson() throws IOException {
        Path config = write("not json");
        PlanningException e = assertThrows(PlanningException.class, () -> ModelConfig.read(config, "repository o/n"));
        assertTrue(e.getMessage().startsWith("config.json of repository o/n is not valid JSON"), e.getMessage());
        Path array = write("[1]");
        assertEquals("config.json of repository o/n is not a JSON object.",
                assertThrows(PlanningException.class, () -> ModelConfig.read(array, "repository o/n")).getMessage());
    }
}
