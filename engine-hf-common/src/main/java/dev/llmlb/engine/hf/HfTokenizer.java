package dev.llmlb.engine.hf;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmlb.api.engine.EngineException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A model's tokenizer: {@code tokenizer.json} run by DJL's HuggingFace tokenizers (the Rust {@code tokenizers}
 * library, offline, from the file), with the special tokens and chat template of {@code tokenizer_config.json}.
 * Thread-safe; close it to free the native tokenizer.
 */
public final class HfTokenizer implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HuggingFaceTokenizer tokenizer;
    private final Optional<String> bosToken;
    private final Optional<String> eosToken;
    private final Optional<String> chatTemplate;
    private final int[] specialPrefix;

    private HfTokenizer(HuggingFaceTokenizer tokenizer, JsonNode config, Optional<String> templateFile) {
        this.tokenizer = tokenizer;
        this.bosToken = tokenText(config.path("bos_token"));
        this.eosToken = tokenText(config.path("eos_token"));
        this.chatTemplate = template(config.path("chat_template")).or(() -> templateFile);
        // What the post-processor puts before any text, e.g. <s> for Llama, nothing for Qwen2.
        int[] empty = encode("", true);
        int[] a = encode("a", true);
        int prefix = 0;
        while (prefix < empty.length && prefix < a.length && empty[prefix] == a[prefix]) {
            prefix++;
        }
        this.specialPrefix = java.util.Arrays.copyOf(empty, prefix);
    }

    /**
     * Loads {@code tokenizer.json} (required), {@code tokenizer_config.json} and {@code chat_template.jinja}
     * (optional) from a model folder. Extracts DJL's tokenizer library into its cache on first use.
     *
     * @throws EngineException when {@code tokenizer.json} is missing or the tokenizers library rejects it
     */
    public static HfTokenizer load(Path modelDirectory) {
        Path file = modelDirectory.resolve("tokenizer.json");
        if (!Files.isRegularFile(file)) {
            throw new EngineException("the model folder has no tokenizer.json");
        }
        JsonNode config = JSON.createObjectNode();
        Path configFile = modelDirectory.resolve("tokenizer_config.json");
        Optional<String> templateFile = Optional.empty();
        try {
            if (Files.isRegularFile(configFile)) {
                config = JSON.readTree(configFile.toFile());
            }
            Path jinja = modelDirectory.resolve("chat_template.jinja");
            if (Files.isRegularFile(jinja)) {
                templateFile = Optional.of(Files.readString(jinja));
            }
        } catch (IOException e) {
            throw new EngineException("cannot read the tokenizer configuration: " + e.getMessage(), e);
        }
        Map<String, String> options = Map.of("addSpecialTokens", "true", "truncation", "false", "padding", "false");
        HuggingFaceTokenizer tokenizer = DjlRuntime.withPluginClassLoader(() -> {
            try {
                return HuggingFaceTokenizer.newInstance(file, options);
            } catch (IOException | RuntimeException e) {
                throw new EngineException("cannot load tokenizer.json: " + e.getMessage(), e);
            }
        });
        return new HfTokenizer(tokenizer, config, templateFile);
    }

    private static Optional<String> tokenText(JsonNode node) {
        if (node.isTextual()) {
            return Optional.of(node.asText());
        }
        // transformers also writes special tokens as {"content": "<s>", "lstrip": false, ...}
        JsonNode content = node.path("content");
        return content.isTextual() ? Optional.of(content.asText()) : Optional.empty();
    }

    private static Optional<String> template(JsonNode node) {
        if (node.isTextual()) {
            return Optional.of(node.asText());
        }
        // Several named templates: [{"name": "default", "template": "..."}, {"name": "tool_use", ...}]
        if (node.isArray()) {
            for (JsonNode entry : node) {
                if ("default".equals(entry.path("name").asText()) && entry.path("template").isTextual()) {
                    return Optional.of(entry.path("template").asText());
                }
            }
        }
        return Optional.empty();
    }

    /** The ids of {@code text}, with the special tokens {@code tokenizer.json}'s post-processor adds (e.g. BOS). */
    public int[] encode(String text) {
        return encode(text, true);
    }

    /** The ids of {@code text}; special tokens written in the text (e.g. {@code <|im_start|>}) are always matched. */
    public int[] encode(String text, boolean addSpecialTokens) {
        Encoding encoding = tokenizer.encode(text, addSpecialTokens, false);
        long[] ids = encoding.getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = Math.toIntExact(ids[i]);
        }
        return out;
    }

    /** The text of {@code ids}, special tokens left out, byte-fallback pieces joined into characters. */
    public String decode(int[] ids) {
        long[] wide = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            wide[i] = ids[i];
        }
        return tokenizer.decode(wide, true);
    }

    /** The id of a text that is exactly one token, e.g. a special token such as {@code </s>}. */
    public OptionalInt tokenId(String token) {
        int[] ids = encode(token, false);
        return ids.length == 1 ? OptionalInt.of(ids[0]) : OptionalInt.empty();
    }

    /** {@code bos_token} of {@code tokenizer_config.json}. */
    public Optional<String> bosToken() {
        return bosToken;
    }

    /** {@code eos_token} of {@code tokenizer_config.json}. */
    public Optional<String> eosToken() {
        return eosToken;
    }

    /** {@code chat_template} of {@code tokenizer_config.json} (its {@code default} entry when it lists several). */
    public Optional<String> chatTemplate() {
        return chatTemplate;
    }

    /** The ids {@link #encode(String)} puts before any text, e.g. {@code [1]} when it adds BOS; often empty. */
    public int[] specialPrefix() {
        return specialPrefix.clone();
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
