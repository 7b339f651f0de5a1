package dev.llmlb.testkit.models;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SafetensorsWriterTest {

    @TempDir
    Path dir;

    private static final TinyLlamaWeights WEIGHTS = TinyLlamaWeights.generate(TinyLlamaConfig.tiny());

    /** The header JSON and the data section of a safetensors file. */
    private record Parsed(String header, ByteBuffer data) {
        float[] tensor(String name, TensorType type) {
            Matcher m = Pattern.compile(Pattern.quote("\"" + name + "\"")
                    + ":\\{\"dtype\":\"(\\w+)\",\"shape\":\\[[0-9,]*],\"data_offsets\":\\[(\\d+),(\\d+)]}").matcher(header);
            assertTrue(m.find(), name + " in " + header);
            assertEquals(type.safetensorsName(), m.group(1));
            int start = Integer.parseInt(m.group(2));
            int end = Integer.parseInt(m.group(3));
            float[] out = new float[(end - start) / type.bytes()];
            for (int i = 0; i < out.length; i++) {
                int at = start + i * type.bytes();
                out[i] = switch (type) {
                    case F32 -> data.getFloat(at);
                    case BF16 -> Float.intBitsToFloat((data.getShort(at) & 0xFFFF) << 16);
                    case F16 -> Float.float16ToFloat(data.getShort(at));
                };
            }
            return out;
        }
    }

    private static Parsed parse(Path file) throws Exception {
        ByteBuffer all = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        long headerLength = all.getLong(0);
        assertEquals(0, (8 + headerLength) % 8, "the data starts 8-byte aligned");
        String header = new String(all.array(), 8, (int) headerLength, StandardCharsets.UTF_8);
        ByteBuffer data = all.slice(8 + (int) headerLength, all.capacity() - 8 - (int) headerLength)
                .order(ByteOrder.LITTLE_ENDIAN);
        return new Parsed(header, data);
    }

    @Test
    void aSingleFileRepoHoldsEveryTensorWithItsValuesAndTheFilesTransformersNeeds() throws Exception {
        new SafetensorsWriter(WEIGHTS).writeRepo(dir);
        for (String file : List.of("model.safetensors", "config.json", "generation_config.json", "tokenizer.json",
                "tokenizer_config.json", "special_tokens_map.json")) {
            assertTrue(Files.isRegularFile(dir.resolve(file)), file);
        }
        Parsed parsed = parse(dir.resolve("model.safetensors"));
        long expectedBytes = 0;
        for (Tensor t : WEIGHTS.tensors().values()) {
            assertEquals(java.util.Arrays.toString(t.data()),
                    java.util.Arrays.toString(parsed.tensor(t.name(), TensorType.F32)), t.name());
            expectedBytes += 4L * t.data().length;
        }
        assertEquals(expectedBytes, parsed.data().capacity());
        String config = Files.readString(dir.resolve("config.json"));
        assertTrue(config.contains("\"architectures\": [\"LlamaForCausalLM\"]"), config);
        assertTrue(config.contains("\"num_key_value_heads\": 2"), config);
        assertTrue(config.contains("\"rope_scaling\": null"), config);
        assertTrue(Files.readString(dir.resolve("tokenizer_config.json")).contains("<|im_start|>"));
    }

    @Test
    void shardsSplitTheTensorsAndTheIndexNamesTheShardOfEach() throws Exception {
        SafetensorsWriter writer = new SafetensorsWriter(WEIGHTS).shards(3);
        writer.writeRepo(dir);
        assertEquals(List.of("model.safetensors.index.json", "model-00001-of-00003.safetensors",
                "model-00002-of-00003.safetensors", "model-00003-of-00003.safetensors"), writer.weightFiles());
        String index = Files.readString(dir.resolve("model.safetensors.index.json"));
        List<String> seen = new ArrayList<>();
        for (Tensor t : WEIGHTS.tensors().values()) {
            Matcher m = Pattern.compile(Pattern.quote("\"" + t.name() + "\": \"") + "([^\"]+)\"").matcher(index);
            assertTrue(m.find(), t.name());
            Parsed shard = parse(dir.resolve(m.group(1)));
            assertEquals(t.data()[0], shard.tensor(t.name(), TensorType.F32)[0]);
            if (!seen.contains(m.group(1))) {
                seen.add(m.group(1));
            }
        }
        assertEquals(3, seen.size());
        assertTrue(Files.notExists(dir.resolve("model.safetensors")));
    }

    @Test
    void halfPrecisionFilesStoreTheRoundedValues() throws Exception {
        Tensor q = WEIGHTS.tensor("model.layers.0.self_attn.q_proj.weight");
        for (TensorType type : List.of(TensorType.BF16, TensorType.F16)) {
            Path repo = new SafetensorsWriter(WEIGHTS).type(type).writeRepo(dir.resolve(type.name()));
            float[] stored = parse(repo.resolve("model.safetensors")).tensor(q.name(), type);
            float[] expected = WEIGHTS.roundedTo(type).tensor(q.name()).data();
            assertEquals(java.util.Arrays.toString(expected), java.util.Arrays.toString(stored), type.name());
            assertNotEquals(q.data()[0], stored[0], "rounding changes the value");
            assertEquals(q.data()[0], stored[0], Math.abs(q.data()[0]) / 100, type.name());
            assertTrue(Files.readString(repo.resolve("config.json")).contains(type.torchName()));
        }
    }

    @Test
    void bf16RoundsToNearestEven() {
        assertEquals(1.0f, TensorType.BF16.round(1.0f + 0x1p-9f), "a tie rounds to the even mantissa");
        assertEquals(1.0f + 0x1p-7f, TensorType.BF16.round(1.0f + 0x1p-7f + 0x1p-9f), "a tie rounds up to even");
        assertEquals(1.0f + 0x1p-7f, TensorType.BF16.round(1.0f + 0x1p-8f + 0x1p-10f), "above half rounds up");
    }

    @Test
    void qwen2AndLlama3VariantsDescribeThemselvesAndChangeTheReference() throws Exception {
        TinyLlamaWeights qwen = TinyLlamaWeights.generate(TinyLlamaConfig.tinyQwen2());
        assertEquals(WEIGHTS.tensor("lm_head.weight").data()[5], qwen.tensor("lm_head.weight").data()[5],
                "the biases are drawn last, the other weights are the Llama ones");
        assertEquals(64, qwen.tensor("model.layers.1.self_attn.q_proj.bias").data().length);
        assertEquals(32, qwen.tensor("model.layers.1.self_attn.k_proj.bias").data().length);
        String qwenConfig = new SafetensorsWriter(qwen).configJson();
        assertTrue(qwenConfig.contains("\"Qwen2ForCausalLM\"") && qwenConfig.contains("\"model_type\": \"qwen2\""));

        TinyLlamaWeights llama3 = TinyLlamaWeights.generate(TinyLlamaConfig.tinyLlama3());
        String llama3Config = new SafetensorsWriter(llama3).configJson();
        assertTrue(llama3Config.contains("\"rope_type\": \"llama3\", \"factor\": 8.0, \"low_freq_factor\": 1.0, "
                + "\"high_freq_factor\": 4.0, \"original_max_position_embeddings\": 64"), llama3Config);

        List<Integer> prompt = new ArrayList<>(List.of(TinyVocabulary.BOS));
        prompt.addAll(TinyVocabulary.get().encode("The quick brown fox jumps over the lazy dog"));
        List<Integer> plain = new TinyLlamaReference(WEIGHTS).greedy(prompt, 16);
        assertNotEquals(plain, new TinyLlamaReference(qwen).greedy(prompt, 16), "biases matter");
        float[] a = new TinyLlamaReference(WEIGHTS).prefill(prompt);
        float[] b = new TinyLlamaReference(llama3).prefill(prompt);
        assertNotEquals(java.util.Arrays.toString(a), java.util.Arrays.toString(b), "rope scaling matters");
        assertEquals(a.length, b.length);
    }

    @Test
    void llama3ScalingKeepsHighFrequenciesDividesLowOnesAndBlendsBetween() {
        TinyLlamaConfig.Llama3RopeScaling s = new TinyLlamaConfig.Llama3RopeScaling(8.0, 1.0, 4.0, 64);
        double high = 2 * Math.PI / 8;
        assertEquals(high, s.scale(high));
        double low = 2 * Math.PI / 128;
        assertEquals(low / 8, s.scale(low), 1e-15);
        double mid = 2 * Math.PI / 32;
        assertTrue(s.scale(mid) < mid && s.scale(mid) > mid / 8);
    }
}
