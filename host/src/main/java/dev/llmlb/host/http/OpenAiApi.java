package dev.llmlb.host.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmlb.api.ModelSpec;
import dev.llmlb.api.engine.EmbeddingResult;
import dev.llmlb.api.engine.Prompt;
import dev.llmlb.api.engine.SamplingParams;
import dev.llmlb.host.catalog.Catalog;
import dev.llmlb.host.inference.Generator;
import dev.llmlb.host.inference.Outcome;
import dev.llmlb.host.models.Lease;
import dev.llmlb.host.models.ModelManager;
import dev.llmlb.host.openai.ChatCompletionRequest;
import dev.llmlb.host.openai.CompletionRequest;
import dev.llmlb.host.openai.EmbeddingRequest;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import java.util.List;
import java.util.OptionalInt;
import java.util.UUID;

/** The OpenAI-compatible routes under {@code /v1}. */
public final class OpenAiApi {

    private static final System.Logger LOG = System.getLogger(OpenAiApi.class.getName());

    private final Catalog catalog;
    private final ModelManager models;
    private final Generator generator;
    private final RequestBodies bodies;
    private final long startedAt = System.currentTimeMillis() / 1000;

    public OpenAiApi(Catalog catalog, ModelManager models, Generator generator, RequestBodies bodies) {
        this.catalog = catalog;
        this.models = models;
        this.generator = generator;
        this.bodies = bodies;
    }

    public void register(HttpRouting.Builder routing) {
        Endpoint.at("/v1/models").get(this::listModels).register(routing);
        Endpoint.at("/v1/models/{id}").get(this::getModel).register(routing);
        Endpoint.at("/v1/chat/completions").post(this::chat).register(routing);
        Endpoint.at("/v1/completions").post(this::complete).register(routing);
        Endpoint.at("/v1/embeddings").post(this::embed).register(routing);
    }

    private ModelSpec spec(String id) {
        return catalog.find(id).orElseThrow(() -> ApiException.modelNotFound(id));
    }

    private void listModels(ServerRequest req, ServerResponse res) {
        ObjectNode body = Json.object();
        body.put("object", "list");
        ArrayNode data = body.putArray("data");
        catalog.models().forEach(spec -> data.add(modelObject(spec)));
        Responses.json(res, body);
    }

    private void getModel(ServerRequest req, ServerResponse res) {
        String id = req.path().pathParameters().get("id");
        Responses.json(res, modelObject(catalog.find(id).orElseThrow(() -> new ApiException(404,
                ApiException.INVALID_REQUEST, "model_not_found", "model", "The model '" + id
                + "' does not exist. Check supported_models.json."))));
    }

    private ObjectNode modelObject(ModelSpec spec) {
        ObjectNode model = Json.object();
        model.put("id", spec.id());
        model.put("object", "model");
        model.put("created", startedAt);
        model.put("owned_by", ownerOf(spec));
        model.put("name", spec.name());
        model.put("source", spec.source());
        model.put("repo_id", spec.repoId());
        model.put("is_local", models.isLocal(spec));
        model.put("available", models.unavailable(spec).isEmpty());
        model.put("status", models.status(spec).status());
        ModelCapabilities.put(model, models.capabilities(spec));
        return model;
    }

    private static String ownerOf(ModelSpec spec) {
        int slash = spec.repoId().indexOf('/');
        return slash > 0 ? spec.repoId().substring(0, slash) : "llmlb";
    }

    private void chat(ServerRequest req, ServerResponse res) {
        ChatCompletionRequest chat = ChatCompletionRequest.parse(bodies.readObject(req));
        ModelSpec spec = spec(chat.model());
        String id = "chatcmpl-" + randomId();
        long created = System.currentTimeMillis() / 1000;
        Prompt prompt = new Prompt.Chat(chat.messages());
        try (Lease lease = models.acquire(spec)) {
            ModelCapabilities.requireGeneration(spec, lease.model());
            if (!chat.stream()) {
                Outcome outcome = generator.generate(spec.id(), lease.model(), prompt, chat.maxTokens(),
                        chat.sampling(), chat.stop(), text -> { });
                ObjectNode body = envelope(id, "chat.completion", created, spec.id());
                ObjectNode choice = body.putArray("choices").addObject();
                choice.put("index", 0);
                ObjectNode message = choice.putObject("message");
                message.put("role", "assistant");
                message.put("content", outcome.text());
                choice.putNull("logprobs");
                choice.put("finish_reason", outcome.finishReason());
                body.set("usage", usage(outcome));
                Responses.json(res, body);
                return;
            }
            stream(req, res, lease, new Generation(prompt, chat.maxTokens(), chat.sampling(), chat.stop()), id,
                    created, spec.id(), chat.includeUsage(), true);
        }
    }

    private void complete(ServerRequest req, ServerResponse res) {
        CompletionRequest completion = CompletionRequest.parse(bodies.readObject(req));
        ModelSpec spec = spec(completion.model());
        String id = "cmpl-" + randomId();
        long created = System.currentTimeMillis() / 1000;
        Prompt prompt = new Prompt.Text(completion.prompt());
        try (Lease lease = models.acquire(spec)) {
            ModelCapabilities.requireGeneration(spec, lease.model());
            if (!completion.stream()) {
                Outcome outcome = generator.generate(spec.id(), lease.model(), prompt, completion.maxTokens(),
                        completion.sampling(), completion.stop(), text -> { });
                ObjectNode body = envelope(id, "text_completion", created, spec.id());
                ObjectNode choice = body.putArray("choices").addObject();
                choice.put("text", completion.echo() ? completion.prompt() + outcome.text() : outcome.text());
                choice.put("index", 0);
                choice.putNull("logprobs");
                choice.put("finish_reason", outcome.finishReason());
                body.set("usage", usage(outcome));
                Responses.json(res, body);
                return;
            }
            stream(req, res, lease, new Generation(prompt, completion.maxTokens(), completion.sampling(),
                    completion.stop()), id, created, spec.id(), completion.includeUsage(), false);
        }
    }

    /**
     * Streams a completion: one id for every chunk, the role in the first chat delta, {@code finish_reason} only
     * in the last choice chunk, usage in a final chunk when asked for, then {@code [DONE]}.
     */
    private void stream(ServerRequest req, ServerResponse res, Lease lease, Generation params, String id,
                        long created, String model, boolean includeUsage, boolean chat) {
        String object = chat ? "chat.completion.chunk" : "text_completion";
        try (SseStream sse = new SseStream(res)) {
            if (chat) {
                ObjectNode first = chunk(id, object, created, model, includeUsage);
                ObjectNode delta = first.withArray("choices").addObject();
                delta.put("index", 0);
                ObjectNode d = delta.putObject("delta");
                d.put("role", "assistant");
                d.put("content", "");
                delta.putNull("logprobs");
                delta.putNull("finish_reason");
                sse.send(first);
            }
            Outcome outcome;
            try {
                outcome = generator.generate(model, lease.model(), params.prompt(), params.maxTokens(),
                        params.sampling(), params.stop(),
                        text -> sse.send(textChunk(id, object, created, model, includeUsage, chat, text)));
            } catch (ApiException e) {
                sse.send(Json.error(e));
                return;
            }
            ObjectNode last = chunk(id, object, created, model, includeUsage);
            ObjectNode choice = last.withArray("choices").addObject();
            choice.put("index", 0);
            if (chat) {
                choice.putObject("delta");
            } else {
                choice.put("text", "");
            }
            choice.putNull("logprobs");
            choice.put("finish_reason", outcome.finishReason());
            sse.send(last);
            if (includeUsage) {
                ObjectNode usage = envelope(id, object, created, model);
                usage.putArray("choices");
                usage.set("usage", usage(outcome));
                sse.send(usage);
            }
            sse.done();
        } catch (IOException | UncheckedIOException e) {
            LOG.log(Level.INFO, "Client left during the stream of {0}; generation stopped", model);
        }
    }

    private ObjectNode textChunk(String id, String object, long created, String model, boolean includeUsage,
                                 boolean chat, String text) {
        ObjectNode chunk = chunk(id, object, created, model, includeUsage);
        ObjectNode choice = chunk.withArray("choices").addObject();
        choice.put("index", 0);
        if (chat) {
            choice.putObject("delta").put("content", text);
        } else {
            choice.put("text", text);
        }
        choice.putNull("logprobs");
        choice.putNull("finish_reason");
        return chunk;
    }

    private static ObjectNode chunk(String id, String object, long created, String model, boolean includeUsage) {
        ObjectNode chunk = envelope(id, object, created, model);
        chunk.putArray("choices");
        if (includeUsage) {
            chunk.putNull("usage");
        }
        return chunk;
    }

    private void embed(ServerRequest req, ServerResponse res) {
        EmbeddingRequest embedding = EmbeddingRequest.parse(bodies.readObject(req));
        ModelSpec spec = spec(embedding.model());
        EmbeddingResult result;
        try (Lease lease = models.acquire(spec)) {
            if (!lease.model().info().supportsEmbeddings()) {
                throw new ApiException(400, ApiException.INVALID_REQUEST, "embeddings_unsupported", "model",
                        "Model '" + spec.id() + "' does not produce embeddings.");
            }
            result = generator.embed(lease.model(), embedding.toEngineRequest());
        }
        result = embedding.shortened(spec.id(), result);
        ObjectNode body = Json.object();
        body.put("object", "list");
        ArrayNode data = body.putArray("data");
        for (int i = 0; i < result.embeddings().size(); i++) {
            ObjectNode item = data.addObject();
            item.put("object", "embedding");
            item.put("index", i);
            float[] vector = result.embeddings().get(i).vector();
            if (embedding.base64()) {
                ByteBuffer bytes = ByteBuffer.allocate(vector.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                bytes.asFloatBuffer().put(vector);
                item.put("embedding", Base64.getEncoder().encodeToString(bytes.array()));
            } else {
                ArrayNode values = item.putArray("embedding");
                for (float v : vector) {
                    values.add(v);
                }
            }
        }
        body.put("model", spec.id());
        ObjectNode usage = body.putObject("usage");
        usage.put("prompt_tokens", result.promptTokens());
        usage.put("total_tokens", result.promptTokens());
        Responses.json(res, body);
    }

    private static ObjectNode envelope(String id, String object, long created, String model) {
        ObjectNode body = Json.object();
        body.put("id", id);
        body.put("object", object);
        body.put("created", created);
        body.put("model", model);
        return body;
    }

    private static ObjectNode usage(Outcome outcome) {
        ObjectNode usage = Json.object();
        usage.put("prompt_tokens", outcome.promptTokens());
        usage.put("completion_tokens", outcome.completionTokens());
        usage.put("total_tokens", outcome.totalTokens());
        return usage;
    }

    /** What to generate, as both endpoints ask for it. */
    private record Generation(Prompt prompt, OptionalInt maxTokens, SamplingParams sampling, List<String> stop) {
    }

    private static String randomId() {
        return UUID.randomUUID().toString().replace("-", "").substring(0, 24);
    }
}
