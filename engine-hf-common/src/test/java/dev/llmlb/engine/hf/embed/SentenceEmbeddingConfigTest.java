package dev.llmlb.engine.hf.embed;

import dev.llmlb.api.engine.EngineException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SentenceEmbeddingConfigTest {

    @TempDir
    Path dir;

    private void write(String modules, String pooling, String bert) throws Exception {
        Files.writeString(dir.resolve("modules.json"), modules);
        Files.createDirectories(dir.resolve("1_Pooling"));
        Files.writeString(dir.resolve("1_Pooling/config.json"), pooling);
        if (bert != null) {
            Files.writeString(dir.resolve("sentence_bert_config.json"), bert);
        }
    }

    private static final String MODULES = """
            [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
             {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
             {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}]""";

    @Test
    void readsPoolingNormalisationAndLength() throws Exception {
        write(MODULES, "{\"pooling_mode_cls_token\": true, \"pooling_mode_mean_tokens\": true}",
                "{\"max_seq_length\": 128}");
        SentenceEmbeddingConfig config = SentenceEmbeddingConfig.read(dir);
        assertEquals(List.of(Pooling.CLS, Pooling.MEAN), config.pooling());
        assertTrue(config.normalize());
        assertEquals(128, config.maxSeqLength().getAsInt());
        assertEquals(8, config.dimensions(4));
    }

    @Test
    void aBareTransformerMeanPoolsWithoutNormalising() {
        SentenceEmbeddingConfig config = SentenceEmbeddingConfig.read(dir);
        assertEquals(List.of(Pooling.MEAN), config.pooling());
        assertFalse(config.normalize());
        assertTrue(config.maxSeqLength().isEmpty());
    }

    @Test
    void aModuleTheEnginesDoNotApplyIsNamed() throws Exception {
        write(MODULES.replace("2_Normalize", "2_Dense").replace("models.Normalize", "models.Dense"),
                "{\"pooling_mode_mean_tokens\": true}", null);
        EngineException e = assertThrows(EngineException.class, () -> SentenceEmbeddingConfig.read(dir));
        assertTrue(e.getMessage().contains("sentence_transformers.models.Dense") && e.getMessage().contains("2_Dense"),
                e.getMessage());
    }

    @Test
    void aPoolingConfigWithNoModeIsRefused() throws Exception {
        write(MODULES, "{\"pooling_mode_mean_tokens\": false}", null);
        assertThrows(EngineException.class, () -> SentenceEmbeddingConfig.read(dir));
    }

    @Test
    void poolingReadsOnlyTheRealTokensOfARow() {
        // Two rows of 3 positions, 2 values each; row 1 has 2 real tokens and a padded position of huge values.
        float[] states = {1, 2, 3, 4, 5, 6, /* row 1 */ 1, -1, 3, 5, 1000, 1000};
        SentenceEmbeddingConfig all = new SentenceEmbeddingConfig(List.of(Pooling.CLS, Pooling.MAX, Pooling.MEAN,
                Pooling.MEAN_SQRT_LEN, Pooling.WEIGHTED_MEAN, Pooling.LAST_TOKEN), false, java.util.OptionalInt.empty());
        float[] pooled = all.pool(states, 1, 3, 2, 2);
        assertArrayEquals(new float[] {1, -1, 3, 5, 2, 2, (float) (4 / Math.sqrt(2)), (float) (4 / Math.sqrt(2)),
            7f / 3, 9f / 3, 3, 5}, pooled, 1e-6f);
    }
}
