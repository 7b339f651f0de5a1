package dev.llmlb.testkit.models;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The JSON files a HuggingFace repo of a Llama model carries next to its weights ({@code config.json},
 * {@code generation_config.json}, {@code tokenizer_config.json}), with the keys {@code transformers} writes, for
 * a generated model and {@link TinyVocabulary}.
 */
public final class HfRepoFiles {

    private final TinyLlamaConfig config;
    private final int vocabSize;

    public HfRepoFiles(TinyLlamaConfig config, int vocabSize) {
        this.config = config;
        this.vocabSize = vocabSize;
    }

    public String config() {
        return "{\n"
                + "  \"architectures\": [\"LlamaForCausalLM\"],\n"
                + "  \"model_type\": \"llama\",\n"
                + "  \"hidden_act\": \"silu\",\n"
                + "  \"hidden_size\": " + config.hiddenSize() + ",\n"
                + "  \"intermediate_size\": " + config.intermediateSize() + ",\n"
                + "  \"num_hidden_layers\": " + config.layers() + ",\n"
                + "  \"num_attention_heads\": " + config.heads() + ",\n"
                + "  \"num_key_value_heads\": " + config.kvHeads() + ",\n"
                + "  \"head_dim\": " + config.headDim() + ",\n"
                + "  \"max_position_embeddings\": " + config.contextLength() + ",\n"
                + "  \"rms_norm_eps\": " + number(config.rmsEps()) + ",\n"
                + "  \"rope_theta\": " + number(config.ropeTheta()) + ",\n"
                + "  \"tie_word_embeddings\": " + config.tiedEmbeddings() + ",\n"
                + "  \"vocab_size\": " + vocabSize + ",\n"
                + "  \"bos_token_id\": " + TinyVocabulary.BOS + ",\n"
                + "  \"eos_token_id\": " + TinyVocabulary.EOS + ",\n"
                + "  \"torch_dtype\": \"float32\"\n"
                + "}\n";
    }

    public String generationConfig() {
        return "{\n"
                + "  \"bos_token_id\": " + TinyVocabulary.BOS + ",\n"
                + "  \"eos_token_id\": " + TinyVocabulary.EOS + "\n"
                + "}\n";
    }

    /** {@code chatTemplate} may be {@code null} for a model without one. */
    public String tokenizerConfig(String chatTemplate) {
        TinyVocabulary vocab = TinyVocabulary.get();
        return "{\n"
                + "  \"tokenizer_class\": \"LlamaTokenizerFast\",\n"
                + "  \"add_bos_token\": true,\n"
                + "  \"add_eos_token\": false,\n"
                + "  \"bos_token\": " + quote(vocab.token(TinyVocabulary.BOS)) + ",\n"
                + "  \"eos_token\": " + quote(vocab.token(TinyVocabulary.EOS)) + ",\n"
                + "  \"unk_token\": " + quote(vocab.token(TinyVocabulary.UNK)) + ",\n"
                + "  \"clean_up_tokenization_spaces\": false,\n"
                + (chatTemplate == null ? "" : "  \"chat_template\": " + quote(chatTemplate) + ",\n")
                + "  \"model_max_length\": " + config.contextLength() + "\n"
                + "}\n";
    }

    public Path writeConfig(Path file) {
        return write(file, config());
    }

    public Path writeGenerationConfig(Path file) {
        return write(file, generationConfig());
    }

    public Path writeTokenizerConfig(Path file, String chatTemplate) {
        return write(file, tokenizerConfig(chatTemplate));
    }

    private static Path write(Path file, String text) {
        try {
            return Files.writeString(file, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A float as JSON: shortest form that reads back as the same float. */
    private static String number(float value) {
        return Float.toString(value).toLowerCase(Locale.ROOT);
    }

    static String quote(String s) {
        StringBuilder out = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
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
