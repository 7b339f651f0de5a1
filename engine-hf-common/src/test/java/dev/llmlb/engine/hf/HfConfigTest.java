package dev.llmlb.engine.hf;

import dev.llmlb.api.engine.EngineException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HfConfigTest {

    @Test
    void theGeneratedConfigReadsBack() {
        HfConfig config = HfConfig.read(TinyRepo.folder());
        assertEquals(List.of("LlamaForCausalLM"), config.architectures());
        assertEquals("llama", config.modelType());
        assertEquals(64, config.hiddenSize());
        assertEquals(2, config.numHiddenLayers());
        assertEquals(4, config.numAttentionHeads());
        assertEquals(2, config.numKeyValueHeads());
        assertEquals(16, config.headDim());
        assertEquals(128, config.intermediateSize());
        assertEquals(512, config.maxPositionEmbeddings().orElseThrow());
        assertEquals(1e-5, config.rmsNormEps(), 1e-9);
        assertEquals(10000.0, config.ropeTheta());
        assertFalse(config.tieWordEmbeddings(true));
        assertEquals(1, config.bosTokenId().orElseThrow());
        assertEquals(Set.of(2), config.eosTokenIds());
        assertTrue(config.object("rope_scaling").isEmpty(), "null is absent");
    }

    @Test
    void endOfSequenceIdsComeFromBothFilesAsNumbersOrLists() {
        HfConfig config = HfConfig.parse("{\"eos_token_id\": 2}", "{\"eos_token_id\": [128001, 128009]}");
        assertEquals(Set.of(2, 128001, 128009), config.eosTokenIds());
        assertEquals(Set.of(7, 8), HfConfig.parse("{\"eos_token_id\": [7, 8]}", null).eosTokenIds());
        assertEquals(Set.of(), HfConfig.parse("{}", "{}").eosTokenIds());
    }

    @Test
    void defaultsFollowTransformers() {
        HfConfig config = HfConfig.parse("{\"hidden_size\": 96, \"num_attention_heads\": 6, \"head_dim\": null}", null);
        assertEquals(6, config.numKeyValueHeads(), "no GQA without num_key_value_heads");
        assertEquals(16, config.headDim());
        assertEquals(1e-6, config.rmsNormEps());
        assertEquals(10000.0, config.ropeTheta());
        assertTrue(config.tieWordEmbeddings(true));
    }

    @Test
    void nestedObjectsBecomePlainMaps() {
        HfConfig config = HfConfig.parse("{\"rope_scaling\": {\"rope_type\": \"llama3\", \"factor\": 8.0, "
                + "\"original_max_position_embeddings\": 8192, \"extra\": null}}", null);
        Map<String, Object> scaling = config.object("rope_scaling").orElseThrow();
        assertEquals("llama3", scaling.get("rope_type"));
        assertEquals(8.0, ((Number) scaling.get("factor")).doubleValue());
        assertEquals(8192, ((Number) scaling.get("original_max_position_embeddings")).intValue());
        assertTrue(scaling.containsKey("extra"));
    }

    @Test
    void missingFilesAndKeysAreNamed(@TempDir Path dir) {
        EngineException missing = assertThrows(EngineException.class, () -> HfConfig.read(dir));
        assertTrue(missing.getMessage().contains("config.json"), missing.getMessage());
        EngineException key = assertThrows(EngineException.class, () -> HfConfig.parse("{}", null).hiddenSize());
        assertTrue(key.getMessage().contains("hidden_size"), key.getMessage());
        assertThrows(EngineException.class, () -> HfConfig.parse("[1]", null));
    }
}
