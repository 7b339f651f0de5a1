package dev.llmlb.engine.hf.embed;

import dev.llmlb.api.engine.EngineException;
import dev.llmlb.engine.hf.HfConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The encoder-only architectures the engines embed with, by {@code config.json}'s {@code model_type}, and what
 * differs between them for the code around the forward pass: where position numbers start.
 */
public enum EncoderFamily {
    /** BERT: positions from 0, token types. */
    BERT(false, "bert"),
    /** RoBERTa and its multilingual and French variants: positions start after the padding id, one token type. */
    ROBERTA(true, "roberta", "xlm-roberta", "camembert"),
    /** MPNet: positions start after the padding id, no token types, relative attention bias. */
    MPNET(true, "mpnet");

    private final boolean positionsAfterPadding;
    private final List<String> modelTypes;

    EncoderFamily(boolean positionsAfterPadding, String... modelTypes) {
        this.positionsAfterPadding = positionsAfterPadding;
        this.modelTypes = List.of(modelTypes);
    }

    /** Every {@code model_type} the families cover. */
    public static List<String> modelTypes() {
        return Arrays.stream(values()).flatMap(f -> f.modelTypes.stream()).toList();
    }

    /** Whether the folder's {@code config.json} names an encoder family ({@code model_type}); reads that file only. */
    public static boolean isEncoder(Path modelDirectory) {
        return Files.isRegularFile(modelDirectory.resolve("config.json"))
                && of(HfConfig.read(modelDirectory)).isPresent();
    }

    /** The family of a config's {@code model_type}; empty for a decoder or an architecture not listed. */
    public static Optional<EncoderFamily> of(HfConfig config) {
        String type = config.modelType();
        return Arrays.stream(values()).filter(f -> f.modelTypes.contains(type)).findFirst();
    }

    /**
     * The number of the first position: 0 for BERT, {@code pad_token_id + 1} (2 by default) for the families that
     * count positions after the padding id, as transformers' {@code create_position_ids_from_input_ids} does.
     */
    public int firstPosition(HfConfig config) {
        return positionsAfterPadding ? config.integer("pad_token_id").orElse(1) + 1 : 0;
    }

    /**
     * The longest input: {@code max_seq_length} of {@code sentence_bert_config.json} when it says, never more than the
     * positions the model has.
     *
     * @throws EngineException when {@code config.json} has no {@code max_position_embeddings}
     */
    public int maxTokens(HfConfig config, SentenceEmbeddingConfig sentence) {
        int positions = config.maxPositionEmbeddings().orElseThrow(() -> new EngineException(
                "config.json has no max_position_embeddings")) - firstPosition(config);
        if (positions < 1) {
            throw new EngineException("config.json leaves no positions: max_position_embeddings "
                    + config.maxPositionEmbeddings().getAsInt() + ", first position " + firstPosition(config));
        }
        return Math.min(positions, sentence.maxSeqLength().orElse(positions));
    }
}
