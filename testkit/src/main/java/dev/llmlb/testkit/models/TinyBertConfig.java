package dev.llmlb.testkit.models;

import java.util.List;

/**
 * The shape of a generated encoder and how its repository pools and normalises, as a sentence-transformers repo
 * declares it. Same config, same weights: the seed fixes them.
 *
 * @param family       the architecture
 * @param hiddenSize   values per token state
 * @param layers       transformer blocks
 * @param heads        attention heads
 * @param intermediate width of the feed-forward layer
 * @param positions    {@code max_position_embeddings} (for RoBERTa and MPNet, two more than the longest input)
 * @param seed         fixes the weights
 * @param pooling      the pooling modes of {@code 1_Pooling/config.json}, kept in sentence-transformers' order of
 *                     concatenation
 * @param normalize    whether {@code modules.json} ends with a Normalize module
 * @param maxSeqLength {@code max_seq_length} of {@code sentence_bert_config.json}; 0 writes none
 */
public record TinyBertConfig(Family family, int hiddenSize, int layers, int heads, int intermediate, int positions,
                             long seed, List<Pooling> pooling, boolean normalize, int maxSeqLength) {

    /** The encoder architectures the generator writes. */
    public enum Family {
        BERT("bert", "BertModel", 2, 1e-12),
        ROBERTA("roberta", "RobertaModel", 1, 1e-5),
        XLM_ROBERTA("xlm-roberta", "XLMRobertaModel", 1, 1e-5),
        MPNET("mpnet", "MPNetModel", 0, 1e-5);

        private final String modelType;
        private final String className;
        private final int typeVocabSize;
        private final double layerNormEps;

        Family(String modelType, String className, int typeVocabSize, double layerNormEps) {
            this.modelType = modelType;
            this.className = className;
            this.typeVocabSize = typeVocabSize;
            this.layerNormEps = layerNormEps;
        }

        public String modelType() {
            return modelType;
        }

        public String className() {
            return className;
        }

        /** Rows of {@code token_type_embeddings}; 0 when the model has none (MPNet). */
        public int typeVocabSize() {
            return typeVocabSize;
        }

        public double layerNormEps() {
            return layerNormEps;
        }

        /** Whether positions are numbered after the padding id ({@code create_position_ids_from_input_ids}). */
        public boolean positionsAfterPadding() {
            return this != BERT;
        }

        /** Whether exports feed {@code token_type_ids} (Optimum's BERT config does; RoBERTa's and MPNet's do not). */
        public boolean takesTokenTypes() {
            return this == BERT;
        }
    }

    /** The pooling modes of sentence-transformers' {@code Pooling} module, by their {@code 1_Pooling} keys. */
    public enum Pooling {
        CLS("pooling_mode_cls_token"),
        MAX("pooling_mode_max_tokens"),
        MEAN("pooling_mode_mean_tokens"),
        MEAN_SQRT_LEN("pooling_mode_mean_sqrt_len_tokens"),
        WEIGHTED_MEAN("pooling_mode_weightedmean_tokens"),
        LAST_TOKEN("pooling_mode_lasttoken");

        private final String key;

        Pooling(String key) {
            this.key = key;
        }

        public String key() {
            return key;
        }
    }

    public TinyBertConfig {
        // The flags of 1_Pooling/config.json have no order: sentence-transformers concatenates in the enum's order.
        pooling = pooling.stream().distinct().sorted().toList();
        if (hiddenSize % heads != 0) {
            throw new IllegalArgumentException("hiddenSize must be a multiple of heads");
        }
    }

    /** A 2-layer BERT of width 32 with mean pooling, normalised, inputs up to 48 tokens. */
    public static TinyBertConfig tiny() {
        return new TinyBertConfig(Family.BERT, 32, 2, 4, 64, 64, 7, List.of(Pooling.MEAN), true, 48);
    }

    public TinyBertConfig withFamily(Family newFamily) {
        return new TinyBertConfig(newFamily, hiddenSize, layers, heads, intermediate, positions, seed, pooling,
                normalize, maxSeqLength);
    }

    public TinyBertConfig withPooling(Pooling... modes) {
        return new TinyBertConfig(family, hiddenSize, layers, heads, intermediate, positions, seed, List.of(modes),
                normalize, maxSeqLength);
    }

    public TinyBertConfig withNormalize(boolean normalized) {
        return new TinyBertConfig(family, hiddenSize, layers, heads, intermediate, positions, seed, pooling,
                normalized, maxSeqLength);
    }

    public TinyBertConfig withMaxSeqLength(int tokens) {
        return new TinyBertConfig(family, hiddenSize, layers, heads, intermediate, positions, seed, pooling,
                normalize, tokens);
    }

    public TinyBertConfig withSeed(long newSeed) {
        return new TinyBertConfig(family, hiddenSize, layers, heads, intermediate, positions, newSeed, pooling,
                normalize, maxSeqLength);
    }

    public int headDim() {
        return hiddenSize / heads;
    }

    /** {@code pad_token_id}: {@link TinyWordPiece#PAD}. */
    public int padTokenId() {
        return TinyWordPiece.PAD;
    }

    /** The position number of the first token: 0, or the padding id plus one for RoBERTa and MPNet. */
    public int firstPosition() {
        return family.positionsAfterPadding() ? padTokenId() + 1 : 0;
    }

    /** The longest input the model takes: its positions, capped by {@code max_seq_length}. */
    public int maxTokens() {
        int own = positions - firstPosition();
        return maxSeqLength > 0 ? Math.min(maxSeqLength, own) : own;
    }
}
