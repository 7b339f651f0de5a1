package dev.llmlb.it.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import dev.llmlb.it.DistNode;
import dev.llmlb.testkit.http.TestClient;
import dev.llmlb.testkit.hub.FakeHub;
import dev.llmlb.testkit.models.AllMiniLmL6V2Repo;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Embeddings per second of the real all-MiniLM-L6-v2 through the node's {@code /v1/embeddings} (the distribution as
 * a process, engine-onnx) against LangChain4j's {@code AllMiniLmL6V2EmbeddingModel} in this JVM on the same ONNX
 * file, with 1 and with 32 inputs per request (LangChain4j: {@code embed} and {@code embedAll} of 32). Distinct
 * sentences of 8 to 60 words (under LangChain4j's 128-token cut, so both compute the same), the paths alternated for
 * several rounds; the best round of each path is compared. Run by {@code bench/embeddings.sh}.
 */
public final class EmbeddingBench {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] WORDS = ("the a search engine ranks documents by meaning and distance query vector "
            + "model language retrieval answer question city river history music science computer network city "
            + "between under about quickly slowly bright dark ancient modern people water light energy market").split(" ");

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        int singles = args.length > 1 ? Integer.parseInt(args[1]) : 96;
        int batched = args.length > 2 ? Integer.parseInt(args[2]) : 256;
        Path work = Files.createTempDirectory("llmlb-embedding-bench");
        Path repo = AllMiniLmL6V2Repo.write(work.resolve("all-MiniLM-L6-v2"), EmbeddingBench.class.getClassLoader());
        FakeHub hub = FakeHub.start();
        hub.repo(AllMiniLmL6V2Repo.REPO_ID).folder(repo);
        Path home = work.resolve("home");
        Files.createDirectories(home);
        Files.writeString(home.resolve("supported_models.json"), "{\"models\":[{\"id\":\"minilm\",\"source\":\"hf_onnx\","
                + "\"repo_id\":\"" + AllMiniLmL6V2Repo.REPO_ID + "\"}]}");
        AllMiniLmL6V2EmbeddingModel direct = new AllMiniLmL6V2EmbeddingModel();
        SplittableRandom random = new SplittableRandom(42);
        System.out.printf("all-MiniLM-L6-v2, %d CPUs; %d single inputs and %d in requests of 32 per round, %d rounds%n",
                Runtime.getRuntime().availableProcessors(), singles, batched, rounds);
        try (DistNode node = DistNode.start(DistNode.dist(), home, Map.of("HF_ENDPOINT", hub.endpoint().toString()))) {
            TestClient client = new TestClient(node.port(), "sk_debug");
            // Warm both: the node downloads and loads the model, both paths run their first inferences.
            node(client, sentences(random, 64), 32);
            direct(direct, sentences(random, 64), 32);
            double[][] best = new double[4][];
            for (int round = 1; round <= rounds; round++) {
                double[] now = {
                    direct(direct, sentences(random, singles), 1),
                    node(client, sentences(random, singles), 1),
                    direct(direct, sentences(random, batched), 32),
                    node(client, sentences(random, batched), 32),
                };
                System.out.printf("round %d: LangChain4j 1: %.1f/s, node 1: %.1f/s, LangChain4j 32: %.1f/s, "
                        + "node 32: %.1f/s%n", round, now[0], now[1], now[2], now[3]);
                for (int i = 0; i < 4; i++) {
                    best[i] = best[i] == null || now[i] > best[i][0] ? new double[] {now[i]} : best[i];
                }
            }
            System.out.printf("%-22s %14s %14s %8s%n", "inputs per request", "LangChain4j/s", "node/s", "ratio");
            System.out.printf("%-22s %14.1f %14.1f %8.2f%n", "1", best[0][0], best[1][0], best[1][0] / best[0][0]);
            System.out.printf("%-22s %14.1f %14.1f %8.2f%n", "32", best[2][0], best[3][0], best[3][0] / best[2][0]);
        } finally {
            hub.close();
        }
        System.exit(0);
    }

    /** Distinct sentences of 8 to 60 words. */
    static List<String> sentences(SplittableRandom random, int count) {
        List<String> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int words = 8 + random.nextInt(53);
            StringBuilder s = new StringBuilder();
            for (int w = 0; w < words; w++) {
                s.append(w == 0 ? "" : " ").append(WORDS[random.nextInt(WORDS.length)]);
            }
            out.add(s.append(" #").append(random.nextInt(1_000_000)).append('.').toString());
        }
        return out;
    }

    /** Embeddings per second in LangChain4j, {@code per} texts per call. */
    static double direct(AllMiniLmL6V2EmbeddingModel model, List<String> texts, int per) {
        long started = System.nanoTime();
        for (int from = 0; from < texts.size(); from += per) {
            List<String> part = texts.subList(from, Math.min(texts.size(), from + per));
            if (part.size() == 1) {
                model.embed(part.get(0));
            } else {
                model.embedAll(part.stream().map(TextSegment::from).toList());
            }
        }
        return texts.size() / ((System.nanoTime() - started) / 1e9);
    }

    /** Embeddings per second through the node, {@code per} inputs per request. */
    static double node(TestClient client, List<String> texts, int per) throws Exception {
        long started = System.nanoTime();
        for (int from = 0; from < texts.size(); from += per) {
            List<String> part = texts.subList(from, Math.min(texts.size(), from + per));
            TestClient.Response answer = client.post("/v1/embeddings", "{\"model\":\"minilm\",\"input\":"
                    + JSON.writeValueAsString(part) + "}");
            if (answer.status() != 200) {
                throw new IllegalStateException("HTTP " + answer.status() + ": " + answer.body());
            }
            JsonNode data = JSON.readTree(answer.body()).get("data");
            if (data.size() != part.size()) {
                throw new IllegalStateException(data.size() + " vectors for " + part.size() + " inputs");
            }
        }
        return texts.size() / ((System.nanoTime() - started) / 1e9);
    }
}
