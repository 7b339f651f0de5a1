package dev.llmlb.api.engine;

import java.util.Arrays;
import java.util.Objects;

/** One input to embed: text, which the engine tokenizes, or token ids of the model's own vocabulary. */
public sealed interface EmbeddingInput {

    /** Text, tokenized by the model's tokenizer with its special tokens (e.g. BOS, or BERT's CLS and SEP). */
    record Text(String text) implements EmbeddingInput {
        public Text {
            Objects.requireNonNull(text, "text");
            if (text.isEmpty()) {
                throw new IllegalArgumentException("an input text must not be empty");
            }
        }
    }

    /**
     * Token ids, fed exactly as given: no special token is added. Immutable: the ids are copied in and out.
     */
    final class Tokens implements EmbeddingInput {

        private final int[] ids;

        private Tokens(int[] ids) {
            this.ids = ids;
        }

        /** A copy of {@code ids}; at least one. */
        public static Tokens of(int... ids) {
            if (ids.length == 0) {
                throw new IllegalArgumentException("a token input must have at least one token");
            }
            return new Tokens(ids.clone());
        }

        /** A copy of the ids. */
        public int[] ids() {
            return ids.clone();
        }

        public int size() {
            return ids.length;
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Tokens t && Arrays.equals(ids, t.ids);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(ids);
        }

        @Override
        public String toString() {
            return "Tokens" + Arrays.toString(ids);
        }
    }
}
