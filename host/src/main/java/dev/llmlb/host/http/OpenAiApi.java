package dev.llmlb.host.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmlb.api.ModelSpec;
import dev.llmlb.api.engine.EmbeddingResult;
import dev.llmlb.api.engine.LoadedModel;
import dev.llmlb.api.engine.Prompt;
import dev.llmlb.host.catalog.Catalog;
import dev.llmlb.host.failure.Failure;
import dev.llmlb.host.failure.FailureException;
import dev.llmlb.host.inference.ClientGoneException;
import dev.llmlb.host.inference.Generator;
import dev.llmlb.host.inference.Outcome;
import dev.llmlb.host.json.Json;
import dev.llmlb.host.models.Cancellation;
import dev.llmlb.host.models.Lease;
import dev.llmlb.host.models.ModelLifecycle;
import dev.llmlb.host.openai.ChatCompletionRequest;
import dev.llmlb.host.openai.CompletionRequest;
import dev.llmlb.host.openai.EmbeddingRequest;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;

/** The OpenAI-compatible routes under {@code /v1}. */
public final class OpenAiApi {

    private static final System.Logger LOG = System.getLogger(OpenAiApi.class.getName());

    private final Catalog catalog;
    private final ModelLifecycle models;
    private final Generator generator;
    private final ClientWatch clients;
    private final RequestBodies bodies;
    private final long startedAt = System.currentTimeMillis() / 1000;

    public OpenAiApi(Catalog catalog, ModelLifecycle models, Generator generator, ClientWatch clients,
                     RequestBodies bodies) {
        this.catalog = catalog;
        this.models = models;
        this.generator = generator;
        this.clients = clients;
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
        return catalog.find(id).orElseThrow(() -> FailureException.modelNotFound(id));
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
        Responses.json(res, modelObject(catalog.find(id).orElseThrow(() -> new Failure(Failure.Kind.NOT_FOUND,
                "model_not_found", "The model '" + id + "' does not exist. Check supported_models.json.", "model", 0)
                .exception())));
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
        Generator.Request generation = new Generator.Request(new Prompt.Chat(chat.messages(), chat.tools()),
                chat.maxTokens(), chat.sampling(), chat.stop(), chat.constraint(), chat.topLogprobs());
        serve(req, res, spec, generation, chat.choices(), chat.stream(), new Answer("chatcmpl-", "chat.completion",
                "chat.completion.chunk", Optional.of(chat), chat.includeUsage(), ""));
    }

    private void complete(ServerRequest req, ServerResponse res) {
        CompletionRequest completion = CompletionRequest.parse(bodies.readObject(req));
        ModelSpec spec = spec(completion.model());
        Generator.Request generation = new Generator.Request(new Prompt.Text(completion.prompt()),
                completion.maxTokens(), completion.sampling(), completion.stop(), Optional.empty(),
                completion.logprobs());
        serve(req, res, spec, generation, completion.choices(), completion.stream(), new Answer("cmpl-",
                "text_completion", "text_completion", Optional.empty(), completion.includeUsage(),
                completion.echo() ? completion.prompt() : ""));
    }

    /**
     * How an endpoint answers: the id prefix and object names, the chat request (whose choices carry a
     * {@code message}; a completion's carry {@code text}), whether a streamed answer ends with usage, and text
     * echoed before the answer.
     */
    private record Answer(String idPrefix, String object, String chunkObject, Optional<ChatCompletionRequest> chat,
                          boolean includeUsage, String echo) {

        boolean logprobs(Generator.Request generation) {
            return generation.topLogprobs().isPresent();
        }
    }

    /**
     * Leases the model, generates and answers, as one JSON object or as a stream. The request is cancelled when its
     * client leaves, while it waits or while it generates; the lease is released once the engine has returned.
     *
     * <p>Several choices ({@code n}) run one after another on the one lease, choice {@code i} with seed
     * {@code seed + i}: a request never holds more than one of the model's sequences, so requests for many choices
     * cannot starve or deadlock each other when the model has fewer sequences than they ask for, and other requests
     * keep their share of the batch.
     */
    private void serve(ServerRequest req, ServerResponse res, ModelSpec spec, Generator.Request generation,
                       int choices, boolean stream, Answer answer) {
        String id = answer.idPrefix() + randomId();
        long created = System.currentTimeMillis() / 1000;
        Cancellation cancellation = new Cancellation();
        try (AutoCloseable watch = clients.watch(req, cancellation);
             Lease lease = models.acquire(spec, cancellation)) {
            ModelCapabilities.requireGeneration(spec, lease.model());
            requireSupport(spec, lease.model(), generation);
            ToolMode mode = answer.chat().map(chat -> ToolMode.of(chat, lease.model().chatTemplate()))
                    .orElse(new ToolMode.Text());
            if (stream) {
                stream(res, lease, generation, choices, mode, cancellation, id, created, answer, RequestIds.of(req));
                return;
            }
            List<Outcome> outcomes = new ArrayList<>();
            for (int i = 0; i < choices; i++) {
                outcomes.add(generator.generate(lease, choice(generation, i), cancellation, (text, logprobs) -> { }));
            }
            // The engine has returned: free the sequence before the client hears the answer.
            lease.close();
            ObjectNode body = envelope(id, answer.object(), created, spec.id());
            ArrayNode list = body.putArray("choices");
            for (int i = 0; i < outcomes.size(); i++) {
                Outcome outcome = outcomes.get(i);
                if (answer.chat().isPresent()) {
                    list.add(ChatChoice.complete(i, mode, outcome, answer.logprobs(generation)));
                    continue;
                }
                ObjectNode choice = list.addObject();
                choice.put("index", i);
                choice.put("text", answer.echo() + outcome.text());
                if (outcome.logprobs().isPresent()) {
                    choice.set("logprobs", LogprobsJson.completion(outcome.logprobs().get(), answer.echo().length()));
                } else {
                    choice.putNull("logprobs");
                }
                choice.put("finish_reason", outcome.finishReason());
            }
            body.set("usage", usage(outcomes));
            Responses.json(res, body);
        } catch (ClientGoneException e) {
            LOG.log(Level.INFO, "Request for {0} ended early: {1}; generation stopped", spec.id(), e.getMessage());
            Responses.abandon(res);
        } catch (FailureException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Refuses what the model's engine cannot honour, rather than answering as if it had been done. */
    private static void requireSupport(ModelSpec spec, LoadedModel model, Generator.Request generation) {
        generation.constraint().filter(c -> !model.supportsJsonConstraints()).ifPresent(c -> {
            throw FailureException.unsupported(c.param(), "Model '" + spec.id() + "' runs on an engine that cannot "
                    + "hold its output to a JSON schema, which '" + c.param() + "' asks for.");
        });
        if (generation.topLogprobs().isPresent() && !model.supportsLogprobs()) {
            throw FailureException.unsupported("logprobs", "Model '" + spec.id() + "' runs on an engine that does "
                    + "not report log probabilities.");
        }
        if (!generation.sampling().logitBias().isEmpty() && !model.supportsLogitBias()) {
            throw FailureException.unsupported("logit_bias", "Model '" + spec.id() + "' runs on an engine that "
                    + "cannot apply 'logit_bias'.");
        }
    }

    /** Choice {@code i}: with a seed, {@code seed + i}, so that the choices differ and each can be reproduced. */
    private static Generator.Request choice(Generator.Request generation, int i) {
        if (i == 0 || generation.sampling().seed().isEmpty()) {
            return generation;
        }
        return generation.withSeed(OptionalLong.of(generation.sampling().seed().getAsLong() + i));
    }

    /**
     * Streams a completion: one id for every chunk, the role in the first chat delta of each choice,
     * {@code finish_reason} only in a choice's last chunk, usage in a final chunk when asked for, then {@code [DONE]}.
     * A failure after the stream has started is sent as an error event, and the stream still ends with
     * {@code [DONE]}.
     */
    private void stream(ServerResponse res, Lease lease, Generator.Request generation, int choices, ToolMode mode,
                        Cancellation cancellation, String id, long created, Answer answer, String requestId) {
        String model = lease.modelId();
        String object = answer.chunkObject();
        boolean includeUsage = answer.includeUsage();
        try (SseStream sse = new SseStream(res)) {
            ChatChoice.Chunks chunks = choice -> {
                ObjectNode chunk = chunk(id, object, created, model, includeUsage);
                chunk.withArray("choices").add(choice);
                sse.send(chunk);
            };
            List<Outcome> outcomes = new ArrayList<>();
            for (int i = 0; i < choices; i++) {
                int index = i;
                Outcome outcome;
                try {
                    if (answer.chat().isPresent()) {
                        ChatChoice choice = new ChatChoice(i, mode, answer.logprobs(generation), chunks);
                        choice.start();
                        outcome = generator.generate(lease, choice(generation, i), cancellation, choice::text);
                        choice.end(outcome);
                    } else {
                        int[] offset = {answer.echo().length()};
                        if (!answer.echo().isEmpty()) {
                            sse.send(textChunk(id, object, created, model, includeUsage, index, answer.echo(),
                                    null));
                        }
                        outcome = generator.generate(lease, choice(generation, i), cancellation, (text, logprobs) -> {
                            ObjectNode lp = answer.logprobs(generation)
                                    ? LogprobsJson.completion(logprobs, offset[0]) : null;
                            offset[0] += text.length();
                            sse.send(textChunk(id, object, created, model, includeUsage, index, text, lp));
                        });
                        ObjectNode last = chunk(id, object, created, model, includeUsage);
                        ObjectNode choice = last.withArray("choices").addObject();
                        choice.put("index", index);
                        choice.put("text", "");
                        choice.putNull("logprobs");
                        choice.put("finish_reason", outcome.finishReason());
                        sse.send(last);
                    }
                } catch (FailureException e) {
                    lease.close();
                    sse.send(ErrorMapper.body(ErrorMapper.forRequest(e.failure(), requestId)));
                    sse.done();
                    return;
                }
                outcomes.add(outcome);
            }
            lease.close();
            if (includeUsage) {
                ObjectNode usage = envelope(id, object, created, model);
                usage.putArray("choices");
                usage.set("usage", usage(outcomes));
                sse.send(usage);
            }
            sse.done();
        }
    }

    private ObjectNode textChunk(String id, String object, long created, String model, boolean includeUsage,
                                 int index, String text, ObjectNode logprobs) {
        ObjectNode chunk = chunk(id, object, created, model, includeUsage);
        ObjectNode choice = chunk.withArray("choices").addObject();
        choice.put("index", index);
        choice.put("text", text);
        if (logprobs == null) {
            choice.putNull("logprobs");
        } else {
            choice.set("logprobs", logprobs);
        }
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
        Cancellation cancellation = new Cancellation();
        try (AutoCloseable watch = clients.watch(req, cancellation);
             Lease lease = models.acquire(spec, cancellation)) {
            if (!lease.model().info().supportsEmbeddings()) {
                throw new Failure(Failure.Kind.INVALID_INPUT, "embeddings_unsupported",
                        "Model '" + spec.id() + "' does not produce embeddings.", "model", 0).exception();
            }
            result = generator.embed(lease, embedding.toEngineRequest());
        } catch (FailureException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
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

    /** The prompt is counted once, however many choices continue it, as OpenAI counts. */
    private static ObjectNode usage(List<Outcome> outcomes) {
        int prompt = outcomes.isEmpty() ? 0 : outcomes.get(0).promptTokens();
        int completion = outcomes.stream().mapToInt(Outcome::completionTokens).sum();
        ObjectNode usage = Json.object();
        usage.put("prompt_tokens", prompt);
        usage.put("completion_tokens", completion);
        usage.put("total_tokens", prompt + completion);
        return usage;
    }

    private static String randomId() {
        return UUID.randomUUID().toString().replace("-", "").substring(0, 24);
    }
}
