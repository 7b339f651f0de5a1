package dev.llmlb.it;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.ResponseFormatJsonSchema;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionNamedToolChoice;
import com.openai.models.chat.completions.ChatCompletionTokenLogprob;
import com.openai.models.chat.completions.StructuredChatCompletion;
import dev.langchain4j.agent.tool.P;
import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.model.chat.Capability;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.request.ToolChoice;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import dev.langchain4j.service.AiServices;
import dev.langchain4j.service.TokenStream;
import dev.llmlb.testkit.hub.FakeHub;
import dev.llmlb.testkit.tck.SchemaCheck;
import dev.llmlb.testkit.models.ChatTemplates;
import dev.llmlb.testkit.models.GgufWriter;
import dev.llmlb.testkit.models.OnnxWriter;
import dev.llmlb.testkit.models.SafetensorsWriter;
import dev.llmlb.testkit.models.TinyLlamaConfig;
import dev.llmlb.testkit.models.TinyLlamaWeights;
import dev.llmlb.testkit.models.TinyVocabulary;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What agents ask of the node, through the clients they use, on every engine: the official OpenAI Java client and
 * LangChain4j's AI services calling a {@code @Tool} and returning a Java record through a JSON schema, plain and
 * streamed. The models have random weights, so only the constraint makes their calls and JSON valid; a bias on the
 * {@code "} token lets them close their strings.
 */
class AgentClientsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String QUOTE = String.valueOf(TinyVocabulary.get().encode("\"").get(0));
    private static final String WEATHER_PARAMETERS = """
            {"type": "object", "properties": {"city": {"type": "string", "description": "the city"},
             "days": {"type": "integer"}, "unit": {"enum": ["celsius", "fahrenheit"]}},
             "required": ["city", "days", "unit"], "additionalProperties": false}""";

    @TempDir
    static Path work;
    private static FakeHub hub;
    private static DistNode node;
    private static OpenAIClient client;
    private static String baseUrl;

    @BeforeAll
    static void start() throws Exception {
        hub = FakeHub.start();
        TinyLlamaConfig config = new TinyLlamaConfig(64, 2, 4, 2, 128, 2048, 10000f, 1e-5f, false, 42);
        // Without an end of sequence the free text runs to max_tokens; a complete JSON value still ends (the
        // constraint then allows nothing else).
        TinyLlamaWeights weights = TinyLlamaWeights.generate(config).withoutEndOfSequence();
        hub.repo("org/agent-gguf").lfsFile("agent.gguf", new GgufWriter(weights)
                .chatTemplate(ChatTemplates.HERMES_TOOLS).write(work.resolve("agent.gguf")));
        hub.repo("org/agent-safetensors").folder(new SafetensorsWriter(weights).chatTemplate(ChatTemplates.HERMES_TOOLS)
                .writeRepo(work.resolve("safetensors")));
        new OnnxWriter(weights).chatTemplate(ChatTemplates.HERMES_TOOLS).writeRepo(work.resolve("onnx"));
        hub.repo("onnx-community/agent").folder(work.resolve("onnx"));
        Path home = work.resolve("home");
        Files.createDirectories(home);
        Files.writeString(home.resolve("supported_models.json"), """
                {"models": [
                  {"id": "agent-gguf", "source": "hf_gguf", "repo_id": "org/agent-gguf"},
                  {"id": "agent-safetensors", "source": "hf_safetensors", "repo_id": "org/agent-safetensors"},
                  {"id": "agent-onnx", "source": "hf_onnx", "repo_id": "onnx-community/agent"}
                ]}""");
        Path djlCache = Path.of(System.getProperty("user.home"), ".djl.ai");
        node = DistNode.start(DistNode.dist(), home, Map.of("HF_ENDPOINT", hub.endpoint().toString(),
                "DJL_CACHE_DIR", djlCache.toString()));
        baseUrl = "http://127.0.0.1:" + node.port() + "/v1";
        client = OpenAIOkHttpClient.builder().baseUrl(baseUrl).apiKey("sk_debug").build();
    }

    @AfterAll
    static void stop() {
        client.close();
        node.close();
        hub.close();
    }

    private static ChatCompletionCreateParams.LogitBias closeStrings() {
        return ChatCompletionCreateParams.LogitBias.builder().putAdditionalProperty(QUOTE, JsonValue.from(6)).build();
    }

    private static FunctionDefinition weatherFunction() throws Exception {
        FunctionParameters.Builder parameters = FunctionParameters.builder();
        JSON.readTree(WEATHER_PARAMETERS).fields().forEachRemaining(e -> parameters.putAdditionalProperty(e.getKey(),
                JsonValue.from(JSON.convertValue(e.getValue(), Object.class))));
        return FunctionDefinition.builder().name("get_weather").description("The weather forecast")
                .parameters(parameters.build()).build();
    }

    private static ChatCompletionCreateParams.Builder weatherCall(String model) throws Exception {
        return ChatCompletionCreateParams.builder().model(model).addUserMessage("Weather in Paris?")
                .addFunctionTool(weatherFunction()).logitBias(closeStrings()).seed(3)
                .toolChoice(ChatCompletionNamedToolChoice.builder().function(ChatCompletionNamedToolChoice.Function
                        .builder().name("get_weather").build()).build());
    }

    private static void assertValidArguments(String arguments) throws Exception {
        assertEquals(List.of(), SchemaCheck.problems(WEATHER_PARAMETERS, arguments), arguments);
    }

    @ParameterizedTest
    @ValueSource(strings = {"agent-gguf", "agent-safetensors", "agent-onnx"})
    void openAiJavaGetsAValidCallOfTheNamedFunction(String model) throws Exception {
        ChatCompletion completion = client.chat().completions().create(weatherCall(model).build());
        ChatCompletion.Choice choice = completion.choices().get(0);
        assertEquals(ChatCompletion.Choice.FinishReason.TOOL_CALLS, choice.finishReason());
        ChatCompletionMessageFunctionToolCall call = choice.message().toolCalls().orElseThrow().get(0).asFunction();
        assertEquals("get_weather", call.function().name());
        assertTrue(call.id().startsWith("call_"));
        assertValidArguments(call.function().arguments());
    }

    @ParameterizedTest
    @ValueSource(strings = {"agent-gguf", "agent-safetensors", "agent-onnx"})
    void openAiJavaStreamsTheCallsArgumentsAsDeltas(String model) throws Exception {
        StringBuilder arguments = new StringBuilder();
        List<String> ids = new ArrayList<>();
        String finish = null;
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions()
                .createStreaming(weatherCall(model).build())) {
            for (ChatCompletionChunk chunk : stream.stream().toList()) {
                for (ChatCompletionChunk.Choice choice : chunk.choices()) {
                    choice.delta().toolCalls().ifPresent(calls -> calls.forEach(call -> {
                        call.id().ifPresent(ids::add);
                        call.function().flatMap(ChatCompletionChunk.Choice.Delta.ToolCall.Function::arguments)
                                .ifPresent(arguments::append);
                    }));
                    if (choice.finishReason().isPresent()) {
                        finish = choice.finishReason().get().asString();
                    }
                }
            }
        }
        assertEquals(1, ids.size());
        assertEquals("tool_calls", finish);
        assertValidArguments(arguments.toString());
    }

    /** What a structured output is parsed into by the OpenAI client. */
    public static class Person {
        public String name;
        public long age;
        public boolean member;
        public List<String> tags;
    }

    @ParameterizedTest
    @ValueSource(strings = {"agent-gguf", "agent-safetensors", "agent-onnx"})
    void openAiJavaParsesAStructuredOutputIntoAClass(String model) {
        StructuredChatCompletion<Person> completion = client.chat().completions().create(ChatCompletionCreateParams
                .builder().model(model).addUserMessage("Describe someone.").logitBias(closeStrings()).seed(5)
                .responseFormat(Person.class).build());
        Person person = completion.choices().get(0).message().content().orElseThrow();
        assertNotNull(person.name);
        assertNotNull(person.tags);
    }

    @ParameterizedTest
    @ValueSource(strings = {"agent-gguf", "agent-safetensors", "agent-onnx"})
    void openAiJavaGetsSeveralChoicesEachWithItsSeed(String model) {
        ChatCompletion two = client.chat().completions().create(ChatCompletionCreateParams.builder().model(model)
                .addUserMessage("Tell me a story.").maxCompletionTokens(6).n(2).seed(40).temperature(1.0).build());
        assertEquals(2, two.choices().size());
        // Choice 1 is what the seed + 1 gives on its own.
        ChatCompletion alone = client.chat().completions().create(ChatCompletionCreateParams.builder().model(model)
                .addUserMessage("Tell me a story.").maxCompletionTokens(6).seed(41).temperature(1.0).build());
        assertEquals(alone.choices().get(0).message().content(), two.choices().get(1).message().content());
        assertEquals(12, two.usage().orElseThrow().completionTokens());
    }

    @ParameterizedTest
    @ValueSource(strings = {"agent-safetensors", "agent-onnx"})
    void openAiJavaGetsLogprobs(String model) {
        ChatCompletion completion = client.chat().completions().create(ChatCompletionCreateParams.builder()
                .model(model).addUserMessage("Tell me a story.").maxCompletionTokens(6).logprobs(true).topLogprobs(3)
                .build());
        List<ChatCompletionTokenLogprob> tokens = completion.choices().get(0).logprobs().orElseThrow().content()
                .orElseThrow();
        assertEquals(6, tokens.size());
        for (ChatCompletionTokenLogprob token : tokens) {
            assertTrue(token.logprob() <= 0);
            assertEquals(3, token.topLogprobs().size());
            assertTrue(token.topLogprobs().get(0).logprob() >= token.topLogprobs().get(2).logprob());
        }
    }

    @org.junit.jupiter.api.Test
    void logprobsOnTheLlamaCppEngineAreRefusedNamingTheParameter() {
        com.openai.errors.BadRequestException e = org.junit.jupiter.api.Assertions.assertThrows(
                com.openai.errors.BadRequestException.class, () -> client.chat().completions().create(
                        ChatCompletionCreateParams.builder().model("agent-gguf").addUserMessage("Hi")
                                .maxCompletionTokens(2).logprobs(true).build()));
        assertEquals("logprobs", e.param().orElseThrow());
    }

    // LangChain4j

    /** The tool the model is made to call: it records its calls. */
    public static final class Weather {
        final List<String> cities = new CopyOnWriteArrayList<>();

        @Tool("The weather forecast for a city")
        public String weather(@P("the city") String city) {
            cities.add(city);
            return "sunny";
        }
    }

    interface Assistant {
        String chat(String message);
    }

    interface StreamingAssistant {
        TokenStream chat(String message);
    }

    public record Forecast(String city, long temperature, boolean rain, List<String> hours) {
    }

    interface Forecaster {
        Forecast forecast(String request);
    }

    /**
     * The model must call a tool on the user's turn, and may answer in text once the tool has answered: LangChain4j's
     * AI services keep the model's tool choice on every turn, so a model required to call tools would call them
     * forever.
     */
    private static ChatRequest requireToolFirst(ChatRequest request) {
        boolean toolAnswered = request.messages().get(request.messages().size() - 1)
                instanceof ToolExecutionResultMessage;
        return ChatRequest.builder().messages(request.messages()).parameters(request.parameters().overrideWith(
                ChatRequestParameters.builder().toolChoice(toolAnswered ? ToolChoice.NONE : ToolChoice.REQUIRED)
                        .build())).build();
    }

    private static OpenAiChatModel.OpenAiChatModelBuilder chatModel(String model) {
        return OpenAiChatModel.builder().baseUrl(baseUrl).apiKey("sk_debug").modelName(model)
                .logitBias(Map.of(QUOTE, 6)).seed(11).maxCompletionTokens(300).timeout(Duration.ofMinutes(2));
    }

    @ParameterizedTest
    @ValueSource(strings = {"agent-gguf", "agent-safetensors", "agent-onnx"})
    void langChain4jRunsAnAiServiceWhoseModelMustCallTheTool(String model) {
        ChatModel openAi = chatModel(model).build();
        ChatModel requiring = new ChatModel() {
            @Override
            public ChatResponse doChat(ChatRequest request) {
                return openAi.chat(requireToolFirst(request));
            }
        };
        Weather weather = new Weather();
        Assistant assistant = AiServices.builder(Assistant.class).chatModel(requiring).tools(weather).build();
        String answer = assistant.chat("What is the weather in Paris?");
        assertNotNull(answer);
        assertFalse(weather.cities.isEmpty(), "the tool was called");
    }

    @ParameterizedTest
    @ValueSource(strings = {"agent-gguf", "agent-safetensors", "agent-onnx"})
    void langChain4jStreamsAnAiServiceWhoseModelMustCallTheTool(String model) throws Exception {
        StreamingChatModel openAi = OpenAiStreamingChatModel.builder().baseUrl(baseUrl).apiKey("sk_debug")
                .modelName(model).logitBias(Map.of(QUOTE, 6)).seed(11).maxCompletionTokens(300)
                .timeout(Duration.ofMinutes(2)).build();
        StreamingChatModel requiring = new StreamingChatModel() {
            @Override
            public void doChat(ChatRequest request, StreamingChatResponseHandler handler) {
                openAi.chat(requireToolFirst(request), handler);
            }
        };
        Weather weather = new Weather();
        StreamingAssistant assistant = AiServices.builder(StreamingAssistant.class).streamingChatModel(requiring)
                .tools(weather).build();
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        List<String> executed = new CopyOnWriteArrayList<>();
        assistant.chat("What is the weather in Paris?")
                .onPartialResponse(piece -> { })
                .onToolExecuted(execution -> executed.add(execution.request().name()))
                .onCompleteResponse(done::complete)
                .onError(done::completeExceptionally)
                .start();
        assertNotNull(done.get(2, TimeUnit.MINUTES));
        assertFalse(weather.cities.isEmpty(), "the tool was called");
        assertEquals("weather", executed.get(0));
    }

    @ParameterizedTest
    @ValueSource(strings = {"agent-gguf", "agent-safetensors", "agent-onnx"})
    void langChain4jReturnsARecordThroughAJsonSchema(String model) {
        ChatModel openAi = chatModel(model)
                .supportedCapabilities(Capability.RESPONSE_FORMAT_JSON_SCHEMA).strictJsonSchema(true).build();
        Forecaster forecaster = AiServices.create(Forecaster.class, openAi);
        // LangChain4j sends every field as nullable ("type": ["string", "null"]): the record parses either way, and
        // random text would not.
        for (int i = 0; i < 3; i++) {
            assertNotNull(forecaster.forecast("Tomorrow in Paris? Try " + i));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"agent-gguf", "agent-safetensors", "agent-onnx"})
    void langChain4jStreamsJsonThatMatchesTheSchema(String model) throws Exception {
        StreamingChatModel openAi = OpenAiStreamingChatModel.builder().baseUrl(baseUrl).apiKey("sk_debug")
                .modelName(model).logitBias(Map.of(QUOTE, 6)).seed(13).maxCompletionTokens(300)
                .strictJsonSchema(true).timeout(Duration.ofMinutes(2)).build();
        String schema = """
                {"type": "object", "properties": {"city": {"type": "string"}, "temperature": {"type": "integer"},
                 "rain": {"type": "boolean"}}, "required": ["city", "temperature", "rain"],
                 "additionalProperties": false}""";
        ChatRequest request = ChatRequest.builder().messages(dev.langchain4j.data.message.UserMessage.from("Paris?"))
                .responseFormat(dev.langchain4j.model.chat.request.ResponseFormat.builder()
                        .type(dev.langchain4j.model.chat.request.ResponseFormatType.JSON)
                        .jsonSchema(dev.langchain4j.model.chat.request.json.JsonSchema.builder().name("forecast")
                                .rootElement(dev.langchain4j.model.chat.request.json.JsonObjectSchema.builder()
                                        .addStringProperty("city").addIntegerProperty("temperature")
                                        .addBooleanProperty("rain").required("city", "temperature", "rain")
                                        .additionalProperties(false).build()).build()).build())
                .build();
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        List<String> pieces = new CopyOnWriteArrayList<>();
        openAi.chat(request, new StreamingChatResponseHandler() {
            @Override
            public void onPartialResponse(String partialResponse) {
                pieces.add(partialResponse);
            }

            @Override
            public void onCompleteResponse(ChatResponse completeResponse) {
                done.complete(completeResponse);
            }

            @Override
            public void onError(Throwable error) {
                done.completeExceptionally(error);
            }
        });
        String text = done.get(2, TimeUnit.MINUTES).aiMessage().text();
        assertEquals(text, pieces.stream().collect(Collectors.joining()));
        assertEquals(List.of(), SchemaCheck.problems(schema, text), text);
    }
}
