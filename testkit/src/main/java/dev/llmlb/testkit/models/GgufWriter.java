package dev.llmlb.testkit.models;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
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
 * Writes a generated model as GGUF v3 with F32 tensors, the way llama.cpp's converter writes a Llama model:
 * llama.cpp tensor names, {@code ne[0]} = input features (so F32 bytes equal the HuggingFace {@code [out, in]}
 * row-major bytes), the q/k rows permuted for llama.cpp's rotary layout, the SentencePiece vocabulary with scores
 * and token types, and a chat template. Optionally split into {@code -00001-of-0000N.gguf} parts as
 * {@code gguf-split} does.
 */
public final class GgufWriter {

    /** The chat template written into generated models (ChatML). */
    public static final String CHAT_TEMPLATE = "{% for message in messages %}{{'<|im_start|>' + message['role'] "
            + "+ '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}"
            + "{{ '<|im_start|>assistant\\n' }}{% endif %}";

    private static final int ALIGNMENT = 32;
    private static final int TYPE_UINT16 = 2;
    private static final int TYPE_INT32 = 5;
    private static final int TYPE_UINT32 = 4;
    private static final int TYPE_FLOAT32 = 6;
    private static final int TYPE_BOOL = 7;
    private static final int TYPE_STRING = 8;
    private static final int TYPE_ARRAY = 9;
    private static final int GGML_F32 = 0;

    private final TinyLlamaWeights weights;
    private String chatTemplate = CHAT_TEMPLATE;
    private String name = "tiny-llama";

    public GgufWriter(TinyLlamaWeights weights) {
        this.weights = weights;
    }

    /** Replaces the chat template; {@code null} writes none. */
    public GgufWriter chatTemplate(String template) {
        this.chatTemplate = template;
        return this;
    }

    public GgufWriter name(String modelName) {
        this.name = modelName;
        return this;
    }

    /** Writes one file. */
    public Path write(Path file) {
        writePart(file, new ArrayList<>(ggufTensors().keySet()), true, 0, 1);
        return file;
    }

    /**
     * Writes {@code parts} files named {@code <prefix>-0000i-of-0000N.gguf} in {@code folder}; returns their paths,
     * first part first.
     */
    public List<Path> writeSplit(Path folder, String prefix, int parts) {
        List<String> names = new ArrayList<>(ggufTensors().keySet());
        List<Path> files = new ArrayList<>();
        int per = (names.size() + parts - 1) / parts;
        for (int i = 0; i < parts; i++) {
            Path file = folder.resolve(String.format(Locale.ROOT, "%s-%05d-of-%05d.gguf", prefix, i + 1, parts));
            List<String> mine = names.subList(Math.min(i * per, names.size()), Math.min((i + 1) * per, names.size()));
            writePart(file, mine, i == 0, i, parts);
            files.add(file);
        }
        return files;
    }

    /** llama.cpp names and GGUF dimensions ({@code ne[0]} first) of every tensor, in writing order. */
    private Map<String, long[]> ggufTensors() {
        TinyLlamaConfig c = weights.config();
        Map<String, long[]> t = new LinkedHashMap<>();
        t.put("token_embd.weight", new long[] {c.hiddenSize(), weights.vocabSize()});
        for (int l = 0; l < c.layers(); l++) {
            String b = "blk." + l + ".";
            t.put(b + "attn_norm.weight", new long[] {c.hiddenSize()});
            t.put(b + "attn_q.weight", new long[] {c.hiddenSize(), c.hiddenSize()});
            t.put(b + "attn_k.weight", new long[] {c.hiddenSize(), c.kvDim()});
            t.put(b + "attn_v.weight", new long[] {c.hiddenSize(), c.kvDim()});
            t.put(b + "attn_output.weight", new long[] {c.hiddenSize(), c.hiddenSize()});
            t.put(b + "ffn_norm.weight", new long[] {c.hiddenSize()});
            t.put(b + "ffn_gate.weight", new long[] {c.hiddenSize(), c.intermediateSize()});
            t.put(b + "ffn_up.weight", new long[] {c.hiddenSize(), c.intermediateSize()});
            t.put(b + "ffn_down.weight", new long[] {c.intermediateSize(), c.hiddenSize()});
        }
        t.put("output_norm.weight", new long[] {c.hiddenSize()});
        if (!c.tiedEmbeddings()) {
            t.put("output.weight", new long[] {c.hiddenSize(), weights.vocabSize()});
        }
        return t;
    }

    /** The F32 values of a llama.cpp tensor, from the HuggingFace weights. */
    private float[] values(String ggufName) {
        TinyLlamaConfig c = weights.config();
        if (ggufName.equals("token_embd.weight")) {
            return weights.tensor("model.embed_tokens.weight").data();
        }
        if (ggufName.equals("output_norm.weight")) {
            return weights.tensor("model.norm.weight").data();
        }
        if (ggufName.equals("output.weight")) {
            return weights.tensor("lm_head.weight").data();
        }
        String[] parts = ggufName.split("\\.");
        String hf = "model.layers." + parts[1] + ".";
        return switch (parts[2]) {
            case "attn_norm" -> weights.tensor(hf + "input_layernorm.weight").data();
            case "attn_q" -> permute(weights.tensor(hf + "self_attn.q_proj.weight").data(), c.heads(), c.hiddenSize());
            case "attn_k" -> permute(weights.tensor(hf + "self_attn.k_proj.weight").data(), c.kvHeads(),
                    c.hiddenSize());
            case "attn_v" -> weights.tensor(hf + "self_attn.v_proj.weight").data();
            case "attn_output" -> weights.tensor(hf + "self_attn.o_proj.weight").data();
            case "ffn_norm" -> weights.tensor(hf + "post_attention_layernorm.weight").data();
            case "ffn_gate" -> weights.tensor(hf + "mlp.gate_proj.weight").data();
            case "ffn_up" -> weights.tensor(hf + "mlp.up_proj.weight").data();
            case "ffn_down" -> weights.tensor(hf + "mlp.down_proj.weight").data();
            default -> throw new IllegalArgumentException(ggufName);
        };
    }

    /**
     * The row order llama.cpp's converter gives q and k: within each head, rows {@code j} and {@code j + d/2}
     * become neighbours {@code 2j} and {@code 2j + 1}, matching its adjacent-pair rotary embedding.
     */
    static float[] permute(float[] rows, int heads, int in) {
        int outDim = rows.length / in;
        int headDim = outDim / heads;
        int half = headDim / 2;
        float[] out = new float[rows.length];
        for (int head = 0; head < heads; head++) {
            for (int j = 0; j < half; j++) {
                for (int s = 0; s < 2; s++) {
                    int from = head * headDim + s * half + j;
                    int to = head * headDim + 2 * j + s;
                    System.arraycopy(rows, from * in, out, to * in, in);
                }
            }
        }
        return out;
    }

    private void writePart(Path file, List<String> tensorNames, boolean withMetadata, int index, int count) {
        Map<String, long[]> dims = ggufTensors();
        try (OutputStream raw = Files.newOutputStream(file);
             DataOutputStream out = new DataOutputStream(new BufferedOutputStream(raw, 1 << 20))) {
            Counter counter = new Counter(out);
            List<Runnable> kvs = new ArrayList<>();
            if (withMetadata) {
                metadata(counter, kvs);
            }
            if (count > 1) {
                kvs.add(() -> kvUint16(counter, "split.no", index));
                kvs.add(() -> kvUint16(counter, "split.count", count));
                kvs.add(() -> kvInt32(counter, "split.tensors.count", dims.size()));
            }
            counter.u32(0x46554747);
            counter.u32(3);
            counter.u64(tensorNames.size());
            counter.u64(kvs.size());
            kvs.forEach(Runnable::run);
            long offset = 0;
            for (String tensor : tensorNames) {
                long[] ne = dims.get(tensor);
                counter.string(tensor);
                counter.u32(ne.length);
                for (long d : ne) {
                    counter.u64(d);
                }
                counter.u32(GGML_F32);
                counter.u64(offset);
                offset = align(offset + elements(ne) * 4);
            }
            counter.pad();
            for (String tensor : tensorNames) {
                float[] values = values(tensor);
                ByteBuffer bytes = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                bytes.asFloatBuffer().put(values);
                counter.bytes(bytes.array());
                counter.pad();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void metadata(Counter c, List<Runnable> kvs) {
        TinyLlamaConfig config = weights.config();
        TinyVocabulary vocab = TinyVocabulary.get();
        kvs.add(() -> kvString(c, "general.architecture", "llama"));
        kvs.add(() -> kvString(c, "general.name", name));
        kvs.add(() -> kvUint32(c, "general.file_type", 0));
        kvs.add(() -> kvUint32(c, "llama.context_length", config.contextLength()));
        kvs.add(() -> kvUint32(c, "llama.embedding_length", config.hiddenSize()));
        kvs.add(() -> kvUint32(c, "llama.block_count", config.layers()));
        kvs.add(() -> kvUint32(c, "llama.feed_forward_length", config.intermediateSize()));
        kvs.add(() -> kvUint32(c, "llama.attention.head_count", config.heads()));
        kvs.add(() -> kvUint32(c, "llama.attention.head_count_kv", config.kvHeads()));
        kvs.add(() -> kvUint32(c, "llama.rope.dimension_count", config.headDim()));
        kvs.add(() -> kvFloat(c, "llama.rope.freq_base", config.ropeTheta()));
        kvs.add(() -> kvFloat(c, "llama.attention.layer_norm_rms_epsilon", config.rmsEps()));
        kvs.add(() -> kvUint32(c, "llama.vocab_size", vocab.size()));
        kvs.add(() -> kvString(c, "tokenizer.ggml.model", "llama"));
        kvs.add(() -> {
            key(c, "tokenizer.ggml.tokens");
            c.u32(TYPE_ARRAY);
            c.u32(TYPE_STRING);
            c.u64(vocab.size());
            vocab.tokens().forEach(c::string);
        });
        kvs.add(() -> {
            key(c, "tokenizer.ggml.scores");
            c.u32(TYPE_ARRAY);
            c.u32(TYPE_FLOAT32);
            c.u64(vocab.size());
            vocab.scores().forEach(c::f32);
        });
        kvs.add(() -> {
            key(c, "tokenizer.ggml.token_type");
            c.u32(TYPE_ARRAY);
            c.u32(TYPE_INT32);
            c.u64(vocab.size());
            vocab.types().forEach(c::u32);
        });
        kvs.add(() -> kvUint32(c, "tokenizer.ggml.bos_token_id", TinyVocabulary.BOS));
        kvs.add(() -> kvUint32(c, "tokenizer.ggml.eos_token_id", TinyVocabulary.EOS));
        kvs.add(() -> kvUint32(c, "tokenizer.ggml.unknown_token_id", TinyVocabulary.UNK));
        kvs.add(() -> kvBool(c, "tokenizer.ggml.add_bos_token", true));
        kvs.add(() -> kvBool(c, "tokenizer.ggml.add_eos_token", false));
        kvs.add(() -> kvBool(c, "tokenizer.ggml.add_space_prefix", false));
        if (chatTemplate != null) {
            kvs.add(() -> kvString(c, "tokenizer.chat_template", chatTemplate));
        }
    }

    private static void key(Counter c, String key) {
        c.string(key);
    }

    private static void kvString(Counter c, String key, String value) {
        key(c, key);
        c.u32(TYPE_STRING);
        c.string(value);
    }

    private static void kvUint32(Counter c, String key, int value) {
        key(c, key);
        c.u32(TYPE_UINT32);
        c.u32(value);
    }

    private static void kvUint16(Counter c, String key, int value) {
        key(c, key);
        c.u32(TYPE_UINT16);
        c.u16(value);
    }

    private static void kvInt32(Counter c, String key, int value) {
        key(c, key);
        c.u32(TYPE_INT32);
        c.u32(value);
    }

    private static void kvFloat(Counter c, String key, float value) {
        key(c, key);
        c.u32(TYPE_FLOAT32);
        c.f32(value);
    }

    private static void kvBool(Counter c, String key, boolean value) {
        key(c, key);
        c.u32(TYPE_BOOL);
        c.u8(value ? 1 : 0);
    }

    private static long elements(long[] ne) {
        long n = 1;
        for (long d : ne) {
            n *= d;
        }
        return n;
    }

    private static long align(long offset) {
        return (offset + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
    }

    /** Little-endian writes that keep count of the position, for alignment. */
    private static final class Counter {
        private final DataOutputStream out;
        private long written;

        Counter(DataOutputStream out) {
            this.out = out;
        }

        void u8(int v) {
            write(new byte[] {(byte) v});
        }

        void u16(int v) {
            write(ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN).putShort((short) v).array());
        }

        void u32(int v) {
            write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array());
        }

        void u64(long v) {
            write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
        }

        void f32(float v) {
            write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(v).array());
        }

        void string(String s) {
            byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
            u64(bytes.length);
            write(bytes);
        }

        void bytes(byte[] bytes) {
            write(bytes);
        }

        void pad() {
            long target = align(written);
            write(new byte[(int) (target - written)]);
        }

        private void write(byte[] bytes) {
            try {
                out.write(bytes);
                written += bytes.length;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
