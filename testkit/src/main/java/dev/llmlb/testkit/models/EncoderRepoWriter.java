package dev.llmlb.testkit.models;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes a generated encoder as a sentence-transformers repository on HuggingFace has it: the transformer's files at
 * the top ({@code config.json}, {@code tokenizer.json}, {@code tokenizer_config.json}, {@code special_tokens_map.json},
 * {@code vocab.txt}), the sentence-transformers files ({@code modules.json}, {@code 1_Pooling/config.json},
 * {@code sentence_bert_config.json}, {@code config_sentence_transformers.json}), and the weights as
 * {@code model.safetensors} and/or {@code onnx/model.onnx}.
 *
 * <pre>{@code
 * new EncoderRepoWriter(weights).writeSafetensorsRepo(dir);  // dir/model.safetensors + text files
 * new EncoderRepoWriter(weights).writeOnnxRepo(dir);         // dir/onnx/model.onnx + text files
 * }</pre>
 */
public final class EncoderRepoWriter {

    private final TinyBertWeights weights;
    private boolean sentenceTransformers = true;
    private String weightPrefix = "";

    public EncoderRepoWriter(TinyBertWeights weights) {
        this.weights = weights;
    }

    /** With {@code false}, writes a bare transformer repository: no {@code modules.json} and friends. */
    public EncoderRepoWriter sentenceTransformers(boolean write) {
        this.sentenceTransformers = write;
        return this;
    }

    /**
     * Prefixes every tensor name in the safetensors file, as checkpoints saved from a task model have it (e.g.
     * {@code bert.} from {@code BertForMaskedLM}).
     */
    public EncoderRepoWriter weightPrefix(String prefix) {
        this.weightPrefix = prefix;
        return this;
    }

    /** Writes {@code model.safetensors} and the text files into {@code folder}; returns {@code folder}. */
    public Path writeSafetensorsRepo(Path folder) {
        try {
            writeTextFiles(folder);
            List<Tensor> tensors = new ArrayList<>();
            for (Tensor t : weights.tensors().values()) {
                tensors.add(new Tensor(weightPrefix + t.name(), t.shape(), t.data()));
            }
            SafetensorsWriter.writeSafetensors(folder.resolve("model.safetensors"), tensors, TensorType.F32);
            return folder;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes {@code onnx/model.onnx} and the text files into {@code folder}; returns {@code folder}. */
    public Path writeOnnxRepo(Path folder) {
        try {
            writeTextFiles(folder);
            Files.createDirectories(folder.resolve("onnx"));
            new BertOnnxGraph(weights).build().write(folder.resolve("onnx").resolve("model.onnx"), false);
            return folder;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void writeTextFiles(Path folder) throws IOException {
        Files.createDirectories(folder);
        TinyWordPiece vocab = TinyWordPiece.get();
        Files.writeString(folder.resolve("config.json"), configJson());
        Files.writeString(folder.resolve("tokenizer.json"), vocab.tokenizerJson());
        Files.writeString(folder.resolve("vocab.txt"), vocab.vocabTxt());
        Files.writeString(folder.resolve("tokenizer_config.json"), """
                {"do_lower_case": true, "unk_token": "[UNK]", "sep_token": "[SEP]", "pad_token": "[PAD]",
                 "cls_token": "[CLS]", "mask_token": "[MASK]", "tokenize_chinese_chars": true, "strip_accents": null,
                 "model_max_length": %d, "tokenizer_class": "BertTokenizer"}
                """.formatted(weights.config().maxTokens()));
        Files.writeString(folder.resolve("special_tokens_map.json"), """
                {"unk_token": "[UNK]", "sep_token": "[SEP]", "pad_token": "[PAD]", "cls_token": "[CLS]",
                 "mask_token": "[MASK]"}
                """);
        if (sentenceTransformers) {
            writeSentenceTransformersFiles(folder);
        }
    }

    private void writeSentenceTransformersFiles(Path folder) throws IOException {
        TinyBertConfig c = weights.config();
        StringBuilder modules = new StringBuilder("""
                [
                  {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
                  {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling\"""");
        if (c.normalize()) {
            modules.append("""
                    },
                      {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize\"""");
        }
        Files.writeString(folder.resolve("modules.json"), modules.append("}\n]\n").toString());
        Files.createDirectories(folder.resolve("1_Pooling"));
        StringBuilder pooling = new StringBuilder("{\n  \"word_embedding_dimension\": " + c.hiddenSize());
        for (TinyBertConfig.Pooling mode : TinyBertConfig.Pooling.values()) {
            pooling.append(",\n  \"").append(mode.key()).append("\": ").append(c.pooling().contains(mode));
        }
        Files.writeString(folder.resolve("1_Pooling").resolve("config.json"),
                pooling.append(",\n  \"include_prompt\": true\n}\n").toString());
        if (c.maxSeqLength() > 0) {
            Files.writeString(folder.resolve("sentence_bert_config.json"),
                    "{\n  \"max_seq_length\": " + c.maxSeqLength() + ",\n  \"do_lower_case\": false\n}\n");
        }
        Files.writeString(folder.resolve("config_sentence_transformers.json"),
                "{\"__version__\": {\"sentence_transformers\": \"3.0.1\", \"transformers\": \"4.41.2\", "
                        + "\"pytorch\": \"2.3.1\"}, \"prompts\": {}, \"default_prompt_name\": null, "
                        + "\"similarity_fn_name\": \"cosine\"}\n");
    }

    String configJson() {
        TinyBertConfig c = weights.config();
        StringBuilder json = new StringBuilder("{\n");
        field(json, "architectures", "[" + SafetensorsWriter.quote(c.family().className()) + "]");
        field(json, "model_type", SafetensorsWriter.quote(c.family().modelType()));
        field(json, "hidden_size", c.hiddenSize());
        field(json, "num_hidden_layers", c.layers());
        field(json, "num_attention_heads", c.heads());
        field(json, "intermediate_size", c.intermediate());
        field(json, "hidden_act", "\"gelu\"");
        field(json, "max_position_embeddings", c.positions());
        field(json, "type_vocab_size", c.family().typeVocabSize());
        field(json, "layer_norm_eps", c.family().layerNormEps());
        field(json, "vocab_size", weights.vocabSize());
        field(json, "pad_token_id", c.padTokenId());
        if (c.family() == TinyBertConfig.Family.MPNET) {
            field(json, "relative_attention_num_buckets", TinyBertWeights.RELATIVE_BUCKETS);
        } else {
            field(json, "position_embedding_type", "\"absolute\"");
        }
        field(json, "torch_dtype", "\"float32\"");
        json.append("  \"transformers_version\": \"4.41.2\"\n}\n");
        return json.toString();
    }

    private static void field(StringBuilder json, String key, Object value) {
        json.append("  ").append(SafetensorsWriter.quote(key)).append(": ").append(value).append(",\n");
    }
}
