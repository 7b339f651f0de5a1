package dev.llmlb.engine.hf.embed;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmlb.api.engine.EngineException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/**
 * How a model's token states become a sentence embedding, as a sentence-transformers repository declares it:
 * {@code modules.json} lists the modules in order (the transformer, {@code Pooling}, optionally {@code Normalize}),
 * the pooling module's folder holds its {@code config.json} ({@code 1_Pooling/config.json}), and
 * {@code sentence_bert_config.json} gives {@code max_seq_length}. A folder without {@code modules.json} gets
 * sentence-transformers' own default for a bare transformer: mean pooling, no normalisation.
 *
 * @param pooling      the pooled vectors, concatenated in this order (sentence-transformers' order)
 * @param normalize    whether the vector is scaled to length 1 at the end
 * @param maxSeqLength the longest input in tokens, when the repository says
 */
public record SentenceEmbeddingConfig(List<Pooling> pooling, boolean normalize, OptionalInt maxSeqLength) {

    public static final String MODULES = "modules.json";
    public static final String SENTENCE_BERT_CONFIG = "sentence_bert_config.json";
    public static final String DEFAULT_POOLING_FOLDER = "1_Pooling";

    private static final String TYPE_PREFIX = "sentence_transformers.models.";
    private static final ObjectMapper JSON = new ObjectMapper();

    public SentenceEmbeddingConfig {
        pooling = List.copyOf(pooling);
        if (pooling.isEmpty()) {
            throw new IllegalArgumentException("at least one pooling mode");
        }
    }

    /** Mean pooling without normalisation: sentence-transformers' default for a bare transformer. */
    public static SentenceEmbeddingConfig meanPooling() {
        return new SentenceEmbeddingConfig(List.of(Pooling.MEAN), false, OptionalInt.empty());
    }

    /**
     * Reads the configuration of a model folder.
     *
     * @throws EngineException when a file is malformed, the pooling configuration chooses no mode, or
     *                         {@code modules.json} lists a module the engines do not apply (such as {@code Dense})
     */
    public static SentenceEmbeddingConfig read(Path folder) {
        OptionalInt maxSeqLength = OptionalInt.empty();
        JsonNode bert = readJson(folder.resolve(SENTENCE_BERT_CONFIG), false);
        if (bert.path("max_seq_length").canConvertToInt() && bert.path("max_seq_length").asInt() > 0) {
            maxSeqLength = OptionalInt.of(bert.path("max_seq_length").asInt());
        }
        Path modulesFile = folder.resolve(MODULES);
        if (!Files.isRegularFile(modulesFile)) {
            return new SentenceEmbeddingConfig(List.of(Pooling.MEAN), false, maxSeqLength);
        }
        JsonNode modules = readJson(modulesFile, true);
        if (!modules.isArray()) {
            throw new EngineException(MODULES + " must hold a JSON array of modules");
        }
        List<Pooling> pooling = null;
        boolean normalize = false;
        for (JsonNode module : modules) {
            String type = module.path("type").asText("");
            String kind = type.startsWith(TYPE_PREFIX) ? type.substring(TYPE_PREFIX.length()) : type;
            switch (kind) {
                case "Transformer" -> {
                    if (pooling != null) {
                        throw new EngineException(MODULES + " lists the Transformer after the pooling");
                    }
                }
                case "Pooling" -> pooling = readPooling(folder, module.path("path").asText(DEFAULT_POOLING_FOLDER));
                case "Normalize" -> normalize = true;
                default -> throw new EngineException(MODULES + " lists the module " + type + " ("
                        + module.path("path").asText("") + "), which the engine does not apply; it runs Transformer, "
                        + "Pooling and Normalize");
            }
        }
        return new SentenceEmbeddingConfig(pooling == null ? List.of(Pooling.MEAN) : pooling, normalize,
                maxSeqLength);
    }

    private static List<Pooling> readPooling(Path folder, String path) {
        Path dir = folder.resolve(path.isEmpty() ? DEFAULT_POOLING_FOLDER : path).normalize();
        if (!dir.startsWith(folder.normalize())) {
            throw new EngineException(MODULES + " puts the pooling module outside the model folder: " + path);
        }
        JsonNode config = readJson(dir.resolve("config.json"), true);
        List<Pooling> modes = new ArrayList<>();
        for (Pooling mode : Pooling.values()) {
            if (config.path(mode.configKey()).asBoolean(false)) {
                modes.add(mode);
            }
        }
        if (modes.isEmpty()) {
            throw new EngineException(folder.relativize(dir.resolve("config.json")) + " turns on no pooling mode");
        }
        return modes;
    }

    private static JsonNode readJson(Path file, boolean required) {
        if (!Files.isRegularFile(file)) {
            if (required) {
                throw new EngineException("the model folder has no " + file.getFileName());
            }
            return JSON.createObjectNode();
        }
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new EngineException(file.getFileName() + " is not valid JSON: " + e.getMessage(), e);
        }
    }

    /** Values in the pooled vector of a model whose states have {@code hidden} values. */
    public int dimensions(int hidden) {
        return pooling.size() * hidden;
    }

    /**
     * Pools one row of a batch's states into a new vector, normalised when the configuration says so.
     *
     * @param states flattened {@code [rows, positions, hidden]}
     * @param length real tokens at the start of the row
     */
    public float[] pool(float[] states, int row, int positions, int hidden, int length) {
        float[] out = new float[dimensions(hidden)];
        for (int i = 0; i < pooling.size(); i++) {
            pooling.get(i).pool(states, row, positions, hidden, length, out, i * hidden);
        }
        if (normalize) {
            Vectors.normalize(out);
        }
        return out;
    }
}
