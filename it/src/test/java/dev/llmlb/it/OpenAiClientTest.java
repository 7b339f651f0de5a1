package dev.llmlb.it;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.NotFoundException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import com.openai.models.models.Model;
import dev.llmlb.testkit.hub.FakeHub;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.LongFunction;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The official OpenAI Java client against the distribution, from an empty models folder: the Python example of
 * the user's document, in Java.
 */
class OpenAiClientTest {

    @TempDir
    static Path home;
    @TempDir
    static Path scratch;
    private static FakeHub hub;
    private static DistNode node;
    private static OpenAIClient client;

    @BeforeAll
    static void start() throws Exception {
        hub = FakeHub.start();
        QuickstartFixture.writeCatalog(home, QuickstartFixture.serveModel(hub, scratch));
        node = DistNode.start(DistNode.dist(), home, Map.of("HF_ENDPOINT", hub.endpoint().toString()));
        client = OpenAIOkHttpClient.builder().baseUrl("http://127.0.0.1:" + node.port() + "/v1").apiKey("sk_debug")
                .build();
    }

    @AfterAll
    static void stop() {
        client.close();
        node.close();
        hub.close();
    }

    @Test
    void listsTheSupportedModels() {
        List<String> ids = client.models().list().data().stream().map(Model::id).toList();
        assertEquals(List.of("llama-3.2-1b"), ids);
        assertEquals("llama-3.2-1b", client.models().retrieve("llama-3.2-1b").id());
    }

    @Test
    void chatsAsTheDocumentsPythonExampleDoes() {
        ChatCompletion completion = client.chat().completions().create(ChatCompletionCreateParams.builder()
                .model("llama-3.2-1b").addUserMessage("Hello!").maxCompletionTokens(16).build());
        assertTrue(completion.choices().get(0).message().content().isPresent());
        assertEquals("llama-3.2-1b", completion.model());
        assertTrue(completion.usage().orElseThrow().completionTokens() > 0);
    }

    @Test
    void streamsAChat() {
        ChatCompletionCreateParams params = ChatCompletionCreateParams.builder().model("llama-3.2-1b")
                .addUserMessage("Hello!").maxCompletionTokens(12).build();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(params)) {
            List<ChatCompletionChunk> chunks = stream.stream().collect(Collectors.toList());
            assertFalse(chunks.isEmpty());
            assertEquals(1, chunks.stream().map(ChatCompletionChunk::id).distinct().count());
            ChatCompletionChunk last = chunks.get(chunks.size() - 1);
            assertTrue(last.choices().get(0).finishReason().isPresent());
        }
    }

    @Test
    void completesText() {
        Completion completion = client.completions().create(CompletionCreateParams.builder().model("llama-3.2-1b")
                .prompt("Once upon a time").maxTokens(8).temperature(0.0).build());
        assertEquals(1, completion.choices().size());
        assertTrue(completion.usage().orElseThrow().promptTokens() > 0);
    }

    @Test
    void theSameSeedGivesTheSameAnswerAndAnotherSeedAnother() {
        LongFunction<String> sample = seed -> client.chat().completions().create(
                ChatCompletionCreateParams.builder().model("llama-3.2-1b").addUserMessage("Tell me a story.")
                        .temperature(1.0).seed(seed).maxCompletionTokens(24).build())
                .choices().get(0).message().content().orElseThrow();
        String first = sample.apply(42);
        assertEquals(first, sample.apply(42));
        assertNotEquals(first, sample.apply(7));
    }

    @Test
    void embeds() {
        CreateEmbeddingResponse response = client.embeddings().create(EmbeddingCreateParams.builder()
                .model("llama-3.2-1b").inputOfArrayOfStrings(List.of("hello", "world")).build());
        assertEquals(2, response.data().size());
        assertEquals(64, response.data().get(0).embedding().size());
    }

    @Test
    void anUnknownModelRaisesNotFoundWithTheCode() {
        NotFoundException e = assertThrows(NotFoundException.class, () -> client.chat().completions().create(
                ChatCompletionCreateParams.builder().model("unknown-model").addUserMessage("Hello").build()));
        assertEquals(404, e.statusCode());
        assertEquals("model_not_found", e.code().orElseThrow());
    }
}
