package dev.llmlb.api.source;

/**
 * The format names the built-in plugins use. A format is a plain string so that third-party plugins can add
 * their own; these constants only keep the built-in ones spelt alike.
 */
public final class ModelFormats {

    /** One or more GGUF files, split files named {@code -00001-of-0000N.gguf}. */
    public static final String GGUF = "gguf";
    /** A HuggingFace transformers folder with {@code config.json}, tokenizer files and safetensors weights. */
    public static final String SAFETENSORS = "safetensors";
    /** A decoder-only ONNX export with {@code config.json} and tokenizer files. */
    public static final String ONNX = "onnx";

    /** The manifest property naming the file an engine should open first. */
    public static final String ENTRY_FILE = "entry_file";
    /** The manifest property naming the model architecture, e.g. {@code LlamaForCausalLM}. */
    public static final String ARCHITECTURE = "architecture";

    private ModelFormats() {
    }
}
