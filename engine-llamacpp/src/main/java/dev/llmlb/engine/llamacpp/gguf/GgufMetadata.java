package dev.llmlb.engine.llamacpp.gguf;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The metadata of a GGUF file: scalar values and small arrays by key (large arrays such as the vocabulary are left
 * out), with typed accessors for what the engine needs.
 *
 * @param version     GGUF version
 * @param tensorCount tensors in this file (one part of a split model holds some of them)
 * @param values      {@code Long}, {@code Double}, {@code Boolean}, {@code String} or {@code List} by key
 */
public record GgufMetadata(int version, long tensorCount, Map<String, Object> values) {

    public GgufMetadata {
        values = Map.copyOf(values);
    }

    public Optional<String> string(String key) {
        return values.get(key) instanceof String s ? Optional.of(s) : Optional.empty();
    }

    public OptionalLong integer(String key) {
        return values.get(key) instanceof Long l ? OptionalLong.of(l) : OptionalLong.empty();
    }

    public Optional<Boolean> bool(String key) {
        return values.get(key) instanceof Boolean b ? Optional.of(b) : Optional.empty();
    }

    /** {@code general.architecture}, e.g. {@code llama}. */
    public Optional<String> architecture() {
        return string("general.architecture");
    }

    private OptionalLong archInteger(String suffix) {
        return architecture().map(a -> integer(a + "." + suffix)).orElse(OptionalLong.empty());
    }

    /** The context length the model was trained with. */
    public OptionalLong contextLength() {
        return archInteger("context_length");
    }

    public OptionalLong blockCount() {
        return archInteger("block_count");
    }

    public OptionalLong embeddingLength() {
        return archInteger("embedding_length");
    }

    public OptionalLong headCount() {
        return archInteger("attention.head_count");
    }

    /**
     * Key/value heads summed over layers: {@code attention.head_count_kv} may be one number for every layer or one
     * per layer; absent, it equals the head count.
     */
    public OptionalLong kvHeadsOverLayers() {
        OptionalLong layers = blockCount();
        if (layers.isEmpty()) {
            return OptionalLong.empty();
        }
        Object kv = architecture().map(a -> values.get(a + ".attention.head_count_kv")).orElse(null);
        if (kv instanceof List<?> perLayer) {
            return OptionalLong.of(perLayer.stream().mapToLong(o -> o instanceof Long l ? l : 0).sum());
        }
        if (kv instanceof Long all) {
            return OptionalLong.of(all * layers.getAsLong());
        }
        OptionalLong heads = headCount();
        return heads.isPresent() ? OptionalLong.of(heads.getAsLong() * layers.getAsLong()) : OptionalLong.empty();
    }

    /** Width of one key head: {@code attention.key_length}, else embedding length / heads. */
    public OptionalLong keyLength() {
        return headWidth("attention.key_length");
    }

    /** Width of one value head: {@code attention.value_length}, else embedding length / heads. */
    public OptionalLong valueLength() {
        return headWidth("attention.value_length");
    }

    private OptionalLong headWidth(String suffix) {
        OptionalLong explicit = archInteger(suffix);
        if (explicit.isPresent()) {
            return explicit;
        }
        OptionalLong embd = embeddingLength();
        OptionalLong heads = headCount();
        if (embd.isEmpty() || heads.isEmpty() || heads.getAsLong() == 0) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(embd.getAsLong() / heads.getAsLong());
    }

    /** {@code <arch>.pooling_type}, present in embedding models. */
    public OptionalLong poolingType() {
        return archInteger("pooling_type");
    }

    /** {@code tokenizer.ggml.model}, e.g. {@code llama} (SentencePiece) or {@code gpt2} (byte-level BPE). */
    public Optional<String> tokenizerModel() {
        return string("tokenizer.ggml.model");
    }

    public OptionalLong bosTokenId() {
        return integer("tokenizer.ggml.bos_token_id");
    }

    /**
     * Whether a BOS token starts every prompt: {@code tokenizer.ggml.add_bos_token}, else llama.cpp's default for
     * the tokenizer type (SentencePiece and WordPiece add one, BPE and others do not).
     */
    public boolean addsBos() {
        return bool("tokenizer.ggml.add_bos_token").orElseGet(() -> {
            String model = tokenizerModel().orElse("");
            return model.equals("llama") || model.equals("bert");
        });
    }

    /**
     * Whether every weight is stored as F32: {@code general.file_type} 0 ({@code LLAMA_FTYPE_ALL_F32}). False when
     * the file does not say.
     */
    public boolean allF32() {
        return integer("general.file_type").orElse(-1) == 0;
    }

    /** {@code tokenizer.chat_template}, when the model has one. */
    public Optional<String> chatTemplate() {
        return string("tokenizer.chat_template");
    }

    /** {@code split.count}: how many files the model is split into, 1 when it is not split. */
    public int splitCount() {
        return (int) integer("split.count").orElse(1);
    }

    /** An array the reader did not keep (the vocabulary's strings, say): only its length. */
    public record SkippedArray(long length) {
    }

    /** How many tokens the vocabulary has ({@code tokenizer.ggml.tokens}), when the file says. */
    public OptionalLong vocabularySize() {
        Object tokens = values().get("tokenizer.ggml.tokens");
        if (tokens instanceof SkippedArray skipped) {
            return OptionalLong.of(skipped.length());
        }
        return tokens instanceof java.util.List<?> list ? OptionalLong.of(list.size()) : OptionalLong.empty();
    }
}
