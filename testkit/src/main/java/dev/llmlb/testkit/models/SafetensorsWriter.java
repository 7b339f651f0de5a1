package dev.llmlb.testkit.models;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes a generated model as a HuggingFace transformers repository folder: {@code config.json},
 * {@code generation_config.json}, {@code tokenizer.json} (a BPE tokenizer equivalent to {@link TinyVocabulary}),
 * {@code tokenizer_config.json} with the chat template, {@code special_tokens_map.json}, and the weights as one
 * {@code model.safetensors} or as {@code model-0000i-of-0000N.safetensors} shards with
 * {@code model.safetensors.index.json}. Tensors keep the HuggingFace names and {@code [out, in]} layout, stored as
 * F32, BF16 or F16.
 */
public final class SafetensorsWriter {

    /** The single-file weights. */
    public static final String SINGLE_FILE = "model.safetensors";
    /** The index of sharded weights. */
    public static final String INDEX_FILE = "model.safetensors.index.json";

    private final TinyLlamaWeights weights;
    private TensorType type = TensorType.F32;
    private int shards = 1;
    private String chatTemplate = GgufWriter.CHAT_TEMPLATE;

    public SafetensorsWriter(TinyLlamaWeights weights) {
        this.weights = weights;
    }

    /** Stores the tensors as {@code tensorType} (F32 by default). */
    public SafetensorsWriter type(TensorType tensorType) {
        this.type = tensorType;
        return this;
    }

    /** Splits the weights into {@code count} shards with an index; 1 (the default) writes one file. */
    public SafetensorsWriter shards(int count) {
        if (count < 1) {
            throw new IllegalArgumentException("shards must be >= 1: " + count);
        }
        this.shards = count;
        return this;
    }

    /** Replaces the chat template of {@code tokenizer_config.json}; {@code null} writes none. */
    public SafetensorsWriter chatTemplate(String template) {
        this.chatTemplate = template;
        return this;
    }

    /** Writes the whole repository into {@code folder} (created when missing); returns {@code folder}. */
    public Path writeRepo(Path folder) {
        try {
            Files.createDirectories(folder);
            writeWeights(folder);
            writeTextFiles(folder);
            return folder;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The files of a HuggingFace repo besides the weights: {@code config.json}, {@code generation_config.json},
     * {@code tokenizer.json}, {@code tokenizer_config.json}, {@code special_tokens_map.json}. Other formats' writers
     * (ONNX) put the same files next to their own weights.
     */
    void writeTextFiles(Path folder) throws IOException {
        Files.writeString(folder.resolve("config.json"), configJson());
        Files.writeString(folder.resolve("generation_config.json"), generationConfigJson());
        Files.writeString(folder.resolve("tokenizer.json"), tokenizerJson());
        Files.writeString(folder.resolve("tokenizer_config.json"), tokenizerConfigJson());
        Files.writeString(folder.resolve("special_tokens_map.json"),
                "{\"bos_token\": \"<s>\", \"eos_token\": \"</s>\", \"unk_token\": \"<unk>\"}\n");
    }

    /** The weight files this writer produces, in order: the index first when sharded. */
    public List<String> weightFiles() {
        if (shards == 1) {
            return List.of(SINGLE_FILE);
        }
        List<String> files = new ArrayList<>();
        files.add(INDEX_FILE);
        for (int i = 1; i <= shards; i++) {
            files.add(shardName(i));
        }
        return files;
    }

    private String shardName(int index) {
        return String.format(Locale.ROOT, "model-%05d-of-%05d.safetensors", index, shards);
    }

    private void writeWeights(Path folder) throws IOException {
        List<Tensor> all = new ArrayList<>(weights.tensors().values());
        if (shards == 1) {
            writeSafetensors(folder.resolve(SINGLE_FILE), all);
            return;
        }
        if (shards > all.size()) {
            throw new IllegalArgumentException(shards + " shards for " + all.size() + " tensors");
        }
        Map<String, String> weightMap = new LinkedHashMap<>();
        long totalSize = 0;
        int per = (all.size() + shards - 1) / shards;
        for (int i = 0; i < shards; i++) {
            List<Tensor> mine = all.subList(Math.min(i * per, all.size()), Math.min((i + 1) * per, all.size()));
            String name = shardName(i + 1);
            writeSafetensors(folder.resolve(name), mine);
            for (Tensor t : mine) {
                weightMap.put(t.name(), name);
                totalSize += (long) t.data().length * type.bytes();
            }
        }
        StringBuilder index = new StringBuilder("{\n  \"metadata\": {\"total_size\": ").append(totalSize)
                .append("},\n  \"weight_map\": {\n");
        int n = 0;
        for (Map.Entry<String, String> e : weightMap.entrySet()) {
            index.append("    ").append(quote(e.getKey())).append(": ").append(quote(e.getValue()))
                    .append(++n < weightMap.size() ? ",\n" : "\n");
        }
        Files.writeString(folder.resolve(INDEX_FILE), index.append("  }\n}\n").toString());
    }

    /**
     * One safetensors file: an 8-byte little-endian header length, the JSON header padded with spaces to a multiple
     * of 8, then each tensor's bytes in order.
     */
    private void writeSafetensors(Path file, List<Tensor> tensors) throws IOException {
        writeSafetensors(file, tensors, type);
    }

    /** One safetensors file of {@code tensors} stored as {@code type}; other generators' writers use it too. */
    static void writeSafetensors(Path file, List<Tensor> tensors, TensorType type) throws IOException {
        StringBuilder header = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        long offset = 0;
        for (Tensor t : tensors) {
            long size = (long) t.data().length * type.bytes();
            header.append(',').append(quote(t.name())).append(":{\"dtype\":\"").append(type.safetensorsName())
                    .append("\",\"shape\":[");
            for (int d = 0; d < t.shape().length; d++) {
                header.append(d == 0 ? "" : ",").append(t.shape()[d]);
            }
            header.append("],\"data_offsets\":[").append(offset).append(',').append(offset + size).append("]}");
            offset += size;
        }
        header.append('}');
        while (header.length() % 8 != 0) {
            header.append(' ');
        }
        byte[] headerBytes = header.toString().getBytes(StandardCharsets.UTF_8);
        try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(headerBytes.length).array());
            out.write(headerBytes);
            for (Tensor t : tensors) {
                ByteBuffer bytes = ByteBuffer.allocate(t.data().length * type.bytes()).order(ByteOrder.LITTLE_ENDIAN);
                for (float v : t.data()) {
                    type.put(bytes, v);
                }
                out.write(bytes.array());
            }
        }
    }

    String configJson() {
        TinyLlamaConfig c = weights.config();
        StringBuilder json = new StringBuilder("{\n");
        field(json, "architectures", "[" + quote(c.architecture().className()) + "]");
        field(json, "model_type", quote(c.architecture().modelType()));
        field(json, "hidden_size", c.hiddenSize());
        field(json, "num_hidden_layers", c.layers());
        field(json, "num_attention_heads", c.heads());
        field(json, "num_key_value_heads", c.kvHeads());
        field(json, "head_dim", c.headDim());
        field(json, "intermediate_size", c.intermediateSize());
        field(json, "max_position_embeddings", c.contextLength());
        field(json, "rms_norm_eps", c.rmsEps());
        field(json, "rope_theta", c.ropeTheta());
        field(json, "vocab_size", weights.vocabSize());
        field(json, "tie_word_embeddings", c.tiedEmbeddings());
        field(json, "bos_token_id", TinyVocabulary.BOS);
        field(json, "eos_token_id", TinyVocabulary.EOS);
        field(json, "hidden_act", quote("silu"));
        if (c.architecture() == TinyLlamaConfig.Architecture.QWEN2) {
            field(json, "use_sliding_window", false);
            field(json, "sliding_window", c.contextLength());
            field(json, "max_window_layers", c.layers());
        } else {
            field(json, "attention_bias", false);
        }
        field(json, "rope_scaling", c.ropeScaling().map(s -> "{\"rope_type\": \"llama3\", \"factor\": " + s.factor()
                + ", \"low_freq_factor\": " + s.lowFreqFactor() + ", \"high_freq_factor\": " + s.highFreqFactor()
                + ", \"original_max_position_embeddings\": " + s.originalMaxPositionEmbeddings() + "}").orElse("null"));
        field(json, "torch_dtype", quote(type.torchName()));
        json.append("  \"transformers_version\": \"4.45.0\"\n}\n");
        return json.toString();
    }

    private static String generationConfigJson() {
        // eos_token_id as a list, as Llama 3 and Qwen2 write it.
        return "{\n  \"bos_token_id\": " + TinyVocabulary.BOS + ",\n  \"eos_token_id\": [" + TinyVocabulary.EOS
                + "],\n  \"transformers_version\": \"4.45.0\"\n}\n";
    }

    /**
     * A BPE {@code tokenizer.json} that tokenizes as {@link TinyVocabulary#encode} does: spaces become {@code ▁} with
     * no prefix space (the GGUF says {@code add_space_prefix = false}), unknown characters fall back to byte tokens,
     * the post-processor puts {@code <s>} first, and decoding turns {@code ▁} back into spaces and bytes into text.
     */
    public static String tokenizerJson() {
        TinyVocabulary vocab = TinyVocabulary.get();
        StringBuilder json = new StringBuilder("{\n  \"version\": \"1.0\",\n  \"truncation\": null,\n"
                + "  \"padding\": null,\n  \"added_tokens\": [\n");
        String[] special = {"<unk>", "<s>", "</s>"};
        for (int id = 0; id < special.length; id++) {
            json.append("    {\"id\": ").append(id).append(", \"content\": ").append(quote(special[id]))
                    .append(", \"single_word\": false, \"lstrip\": false, \"rstrip\": false, \"normalized\": false, "
                            + "\"special\": true}").append(id + 1 < special.length ? ",\n" : "\n");
        }
        json.append("  ],\n");
        json.append("  \"normalizer\": {\"type\": \"Replace\", \"pattern\": {\"String\": \" \"}, \"content\": ")
                .append(quote(TinyVocabulary.SPACE)).append("},\n");
        json.append("  \"pre_tokenizer\": null,\n");
        json.append("  \"post_processor\": {\"type\": \"TemplateProcessing\", "
                + "\"single\": [{\"SpecialToken\": {\"id\": \"<s>\", \"type_id\": 0}}, "
                + "{\"Sequence\": {\"id\": \"A\", \"type_id\": 0}}], "
                + "\"pair\": [{\"SpecialToken\": {\"id\": \"<s>\", \"type_id\": 0}}, "
                + "{\"Sequence\": {\"id\": \"A\", \"type_id\": 0}}, {\"SpecialToken\": {\"id\": \"<s>\", \"type_id\": 1}}, "
                + "{\"Sequence\": {\"id\": \"B\", \"type_id\": 1}}], "
                + "\"special_tokens\": {\"<s>\": {\"id\": \"<s>\", \"ids\": [" + TinyVocabulary.BOS
                + "], \"tokens\": [\"<s>\"]}}},\n");
        json.append("  \"decoder\": {\"type\": \"Sequence\", \"decoders\": [{\"type\": \"Replace\", \"pattern\": "
                + "{\"String\": ").append(quote(TinyVocabulary.SPACE)).append("}, \"content\": \" \"}, "
                + "{\"type\": \"ByteFallback\"}, {\"type\": \"Fuse\"}]},\n");
        json.append("  \"model\": {\"type\": \"BPE\", \"dropout\": null, \"unk_token\": \"<unk>\", "
                + "\"continuing_subword_prefix\": null, \"end_of_word_suffix\": null, \"fuse_unk\": true, "
                + "\"byte_fallback\": true, \"ignore_merges\": false,\n    \"vocab\": {");
        List<String> tokens = vocab.tokens();
        for (int id = 0; id < tokens.size(); id++) {
            json.append(id == 0 ? "" : ", ").append(quote(tokens.get(id))).append(": ").append(id);
        }
        json.append("},\n    \"merges\": [");
        List<String> merges = vocab.merges();
        for (int i = 0; i < merges.size(); i++) {
            json.append(i == 0 ? "" : ", ").append(quote(merges.get(i)));
        }
        return json.append("]\n  }\n}\n").toString();
    }

    private String tokenizerConfigJson() {
        StringBuilder json = new StringBuilder("{\n");
        field(json, "add_bos_token", true);
        field(json, "add_eos_token", false);
        field(json, "bos_token", quote("<s>"));
        field(json, "eos_token", quote("</s>"));
        field(json, "unk_token", quote("<unk>"));
        field(json, "pad_token", "null");
        field(json, "clean_up_tokenization_spaces", false);
        field(json, "legacy", false);
        field(json, "model_max_length", weights.config().contextLength());
        if (chatTemplate != null) {
            field(json, "chat_template", quote(chatTemplate));
        }
        json.append("  \"tokenizer_class\": \"LlamaTokenizerFast\"\n}\n");
        return json.toString();
    }

    private static void field(StringBuilder json, String key, Object value) {
        json.append("  ").append(quote(key)).append(": ").append(value).append(",\n");
    }

    /** A JSON string literal. */
    static String quote(String text) {
        StringBuilder out = new StringBuilder(text.length() + 2).append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }
}
