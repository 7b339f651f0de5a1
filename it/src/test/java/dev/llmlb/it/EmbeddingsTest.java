package dev.llmlb.it;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.langchain4j.model.embedding.onnx.OnnxEmbeddingModel;
import dev.langchain4j.model.embedding.onnx.PoolingMode;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import dev.llmlb.testkit.hub.FakeHub;
import dev.llmlb.testkit.models.AllMiniLmL6V2Repo;
import dev.llmlb.testkit.models.EncoderRepoWriter;
import dev.llmlb.testkit.models.GgufWriter;
import dev.llmlb.testkit.models.OnnxWriter;
import dev.llmlb.testkit.models.SafetensorsWriter;
import dev.llmlb.testkit.models.TinyBertConfig;
import dev.llmlb.testkit.models.TinyBertReference;
import dev.llmlb.testkit.models.TinyBertWeights;
import dev.llmlb.testkit.models.TinyLlamaConfig;
import dev.llmlb.testkit.models.TinyLlamaWeights;
import dev.llmlb.testkit.models.Vectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Embeddings through the distribution, from an empty models folder: the real all-MiniLM-L6-v2, laid out on the fake
 * hub as HuggingFace has {@code sentence-transformers/all-MiniLM-L6-v2}, gives the vectors LangChain4j computes
 * in-process from the same ONNX file; generated encoders embed on engine-onnx and engine-djl as the reference does;
 * the same decoder weights embed alike on all three engines.
 */
class EmbeddingsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Seven languages and scripts, punctuation, numbers, emoji, and one text of about 230 tokens. */
    static final List<String> TEXTS = List.of(
            "The cat sits on the mat.",
            "Le chat est assis sur le tapis, n'est-ce pas ?",
            "Die Katze sitzt auf der Matte – schön!",
            "猫はマットの上に座っています。",
            "Кошка сидит на коврике.",
            "القطة تجلس على السجادة",
            "¿Dónde está la biblioteca? ¡Aquí!",
            "3.14159, 2.71828 & 1.41421 = constants; e-mail: someone@example.com 🙂",
            "!!!???...",
            "embeddings",
            ("Search engines rank documents by how close their embeddings are to the query's embedding, and a "
                    + "retrieval-augmented generator feeds the closest passages to a language model. ").repeat(6));

    @TempDir
    static Path work;
    static FakeHub hub;
    static DistNode node;
    static Path miniLm;
    static TinyBertWeights bert;

    @BeforeAll
    static void start() throws Exception {
        hub = FakeHub.start();
        miniLm = AllMiniLmL6V2Repo.write(work.resolve("all-MiniLM-L6-v2"), EmbeddingsTest.class.getClassLoader());
        hub.repo(AllMiniLmL6V2Repo.REPO_ID).folder(miniLm);
        bert = TinyBertWeights.generate(TinyBertConfig.tiny().withFamily(TinyBertConfig.Family.MPNET));
        hub.repo("org/tiny-mpnet").folder(new EncoderRepoWriter(bert).writeSafetensorsRepo(work.resolve("mpnet")));
        hub.repo("org/tiny-mpnet-onnx").folder(new EncoderRepoWriter(bert).writeOnnxRepo(work.resolve("mpnet-onnx")));
        TinyLlamaWeights llama = TinyLlamaWeights.generate(TinyLlamaConfig.tiny());
        hub.repo("org/tiny-llama").folder(new SafetensorsWriter(llama).writeRepo(work.resolve("llama")));
        new OnnxWriter(llama).externalData(true).writeRepo(work.resolve("llama-onnx"));
        hub.repo("org/tiny-llama-onnx").folder(work.resolve("llama-onnx"));
        hub.repo("org/tiny-llama-gguf").lfsFile("tiny.gguf", new GgufWriter(llama).write(work.resolve("tiny.gguf")));
        Path home = work.resolve("home");
        Files.createDirectories(home);
        Files.writeString(home.resolve("supported_models.json"), """
                {"models": [
                  {"id": "all-minilm-l6-v2", "source": "hf_onnx", "repo_id": "%s", "tags": ["embedding"]},
                  {"id": "mpnet-djl", "source": "hf_safetensors", "repo_id": "org/tiny-mpnet"},
                  {"id": "mpnet-onnx", "source": "hf_onnx", "repo_id": "org/tiny-mpnet-onnx"},
                  {"id": "llama-djl", "source": "hf_safetensors", "repo_id": "org/tiny-llama"},
                  {"id": "llama-onnx", "source": "hf_onnx", "repo_id": "org/tiny-llama-onnx"},
                  {"id": "llama-gguf", "source": "hf_gguf", "repo_id": "org/tiny-llama-gguf"}
                ]}""".formatted(AllMiniLmL6V2Repo.REPO_ID));
        Path djlCache = Path.of(System.getProperty("user.home"), ".djl.ai");
        node = DistNode.start(DistNode.dist(), home, Map.of("HF_ENDPOINT", hub.endpoint().toString(),
                "DJL_CACHE_DIR", djlCache.toString(), "LLMLB_MAX_LOADED_MODELS", "6"));
    }

    @AfterAll
    static void stop() {
        node.close();
        hub.close();
    }

    static List<float[]> embed(String model, List<String> inputs, String extra) {
        StringBuilder body = new StringBuilder("{\"model\":\"" + model + "\",\"input\":[");
        for (int i = 0; i < inputs.size(); i++) {
            body.append(i == 0 ? "" : ",").append(quote(inputs.get(i)));
        }
        DistNode.Response answer = node.post("/v1/embeddings", body.append("]").append(extra).append("}").toString());
        assertEquals(200, answer.status(), answer.body());
        return vectors(answer.json());
    }

    static List<float[]> vectors(JsonNode body) {
        List<float[]> out = new ArrayList<>();
        for (JsonNode item : body.get("data")) {
            JsonNode embedding = item.get("embedding");
            if (embedding.isTextual()) {
                ByteBuffer bytes = ByteBuffer.wrap(Base64.getDecoder().decode(embedding.asText()))
                        .order(ByteOrder.LITTLE_ENDIAN);
                float[] v = new float[bytes.remaining() / 4];
                bytes.asFloatBuffer().get(v);
                out.add(v);
            } else {
                float[] v = new float[embedding.size()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) embedding.get(i).asDouble();
                }
                out.add(v);
            }
        }
        return out;
    }

    static String quote(String text) {
        try {
            return JSON.writeValueAsString(text);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * LangChain4j cuts inputs at tokenizer.json's 128 tokens where sentence-transformers and the node take
     * max_seq_length 256: longer texts are compared with LangChain4j's embedder over the same graph and a copy of
     * the tokenizer without that setting.
     */
    @Test
    void theRealModelGivesLangChain4jsVectors() throws Exception {
        AllMiniLmL6V2EmbeddingModel reference = new AllMiniLmL6V2EmbeddingModel();
        OnnxEmbeddingModel untruncated = new OnnxEmbeddingModel(miniLm.resolve("onnx/model.onnx"),
                AllMiniLmL6V2Repo.untruncatedTokenizer(miniLm, work.resolve("untruncated.json")), PoolingMode.MEAN);
        List<float[]> batched = embed("all-minilm-l6-v2", TEXTS, "");
        List<float[]> base64 = embed("all-minilm-l6-v2", TEXTS, ",\"encoding_format\":\"base64\"");
        try (HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.newInstance(miniLm.resolve("tokenizer.json"),
                Map.of("truncation", "false", "padding", "false"))) {
            for (int i = 0; i < TEXTS.size(); i++) {
                int tokens = tokenizer.encode(TEXTS.get(i)).getIds().length;
                float[] expected = (tokens <= 128 ? reference : untruncated).embed(TEXTS.get(i)).content().vector();
                double cosine = Vectors.cosine(expected, batched.get(i));
                assertTrue(cosine >= 0.9999, "input " + i + " (" + tokens + " tokens): cosine " + cosine);
                assertEquals(AllMiniLmL6V2Repo.DIMENSIONS, batched.get(i).length);
                assertTrue(Vectors.maxDifference(batched.get(i), base64.get(i)) < 1e-6, "base64 holds the same");
            }
        }
        for (String decoy : AllMiniLmL6V2Repo.DECOYS) {
            assertEquals(0, hub.requests(AllMiniLmL6V2Repo.REPO_ID, decoy) + hub.cdnRequests(AllMiniLmL6V2Repo.REPO_ID, decoy),
                    decoy + " was downloaded");
        }
        JsonNode listed = node.get("/v1/models/all-minilm-l6-v2").json();
        assertEquals("[\"embedding\"]", listed.get("capabilities").toString());
    }

    @Test
    void tokenIdsEmbedAsTheirTextAndTooLongAnInputIsRefusedNamingIt() throws Exception {
        String text = "Token ids are the model's own.";
        try (HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.newInstance(miniLm.resolve("tokenizer.json"),
                Map.of("truncation", "false", "padding", "false"))) {
            long[] ids = tokenizer.encode(text).getIds();
            StringBuilder array = new StringBuilder("[");
            for (int i = 0; i < ids.length; i++) {
                array.append(i == 0 ? "" : ",").append(ids[i]);
            }
            DistNode.Response answer = node.post("/v1/embeddings", "{\"model\":\"all-minilm-l6-v2\",\"input\":"
                    + array + "]}");
            assertEquals(200, answer.status(), answer.body());
            float[] fromIds = vectors(answer.json()).get(0);
            assertTrue(Vectors.cosine(fromIds, embed("all-minilm-l6-v2", List.of(text), "").get(0)) > 0.99999);
        }
        DistNode.Response tooLong = node.post("/v1/embeddings", "{\"model\":\"all-minilm-l6-v2\",\"input\":[\"fine\","
                + quote("word ".repeat(300)) + "]}");
        assertEquals(400, tooLong.status(), tooLong.body());
        JsonNode error = tooLong.json().get("error");
        assertEquals("input[1]", error.get("param").asText());
        assertTrue(error.get("message").asText().contains("at most 256 tokens"), error.toString());
    }

    @Test
    void dimensionsShortenAndNormaliseAgain() {
        float[] full = embed("all-minilm-l6-v2", List.of("short vectors"), "").get(0);
        float[] shortened = embed("all-minilm-l6-v2", List.of("short vectors"), ",\"dimensions\":64").get(0);
        assertEquals(64, shortened.length);
        assertEquals(1.0, Vectors.norm(shortened), 1e-5);
        float[] head = java.util.Arrays.copyOf(full, 64);
        assertTrue(Vectors.cosine(head, shortened) > 0.99999, "the leading values, rescaled");
    }

    @Test
    void aChatRequestToTheEmbeddingModelIsRefusedSayingSo() {
        DistNode.Response answer = node.post("/v1/chat/completions", "{\"model\":\"all-minilm-l6-v2\","
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Hello!\"}]}");
        assertEquals(400, answer.status(), answer.body());
        assertEquals("model_not_generative", answer.json().get("error").get("code").asText());
        assertTrue(answer.json().get("error").get("message").asText().contains("embedding model"));
    }

    @Test
    void concurrentRequestsEachGetTheirOwnVectors() throws Exception {
        List<String> texts = TEXTS.subList(0, 8);
        List<float[]> alone = new ArrayList<>();
        for (String text : texts) {
            alone.add(embed("all-minilm-l6-v2", List.of(text), "").get(0));
        }
        ExecutorService clients = Executors.newFixedThreadPool(8);
        try {
            List<Future<List<float[]>>> answers = new ArrayList<>();
            for (int round = 0; round < 4; round++) {
                for (int i = 0; i < texts.size(); i++) {
                    List<String> mine = List.of(texts.get(i), texts.get((i + 1) % texts.size()));
                    answers.add(clients.submit(() -> embed("all-minilm-l6-v2", mine, "")));
                }
            }
            for (int n = 0; n < answers.size(); n++) {
                int i = n % texts.size();
                List<float[]> got = answers.get(n).get();
                assertTrue(Vectors.cosine(alone.get(i), got.get(0)) > 0.99999, "request " + n);
                assertTrue(Vectors.cosine(alone.get((i + 1) % texts.size()), got.get(1)) > 0.99999, "request " + n);
            }
        } finally {
            clients.shutdownNow();
        }
    }

    @Test
    void generatedEncodersEmbedAsTheReferenceOnOnnxAndDjl() {
        List<String> texts = List.of("hello world", "The cat sat on the mat.", "42 cats, 7 dogs");
        TinyBertReference reference = new TinyBertReference(bert);
        for (String model : List.of("mpnet-onnx", "mpnet-djl")) {
            List<float[]> vectors = embed(model, texts, "");
            for (int i = 0; i < texts.size(); i++) {
                assertTrue(Vectors.maxDifference(reference.embed(texts.get(i)), vectors.get(i)) < 1e-4,
                        model + ": " + texts.get(i));
            }
        }
        assertEquals("onnx", node.get("/v0/models/mpnet-onnx/status").json().get("engine").asText());
        assertEquals("djl", node.get("/v0/models/mpnet-djl/status").json().get("engine").asText());
    }

    /** Every installed engine embeds the models it serves; the same decoder weights give the same vector. */
    @Test
    void theThreeEnginesEmbedTheSameDecoderAlike() {
        List<String> texts = List.of("Hello world", "Once upon a time");
        List<float[]> gguf = embed("llama-gguf", texts, "");
        for (String model : List.of("llama-djl", "llama-onnx")) {
            List<float[]> other = embed(model, texts, "");
            for (int i = 0; i < texts.size(); i++) {
                double cosine = Vectors.cosine(gguf.get(i), other.get(i));
                assertTrue(cosine > 0.9999, model + " vs llama.cpp, " + texts.get(i) + ": " + cosine);
            }
        }
        JsonNode listed = node.get("/v0/supported-models").json().get("models");
        assertEquals("[\"completion\",\"embedding\"]", listed.get(3).get("capabilities").toString());
    }
}
