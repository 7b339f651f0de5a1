package dev.llmlb.host.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmlb.api.ModelSpec;
import dev.llmlb.host.catalog.Catalog;
import dev.llmlb.host.failure.Failure;
import dev.llmlb.host.failure.FailureException;
import dev.llmlb.host.inference.ClientGoneException;
import dev.llmlb.host.json.Json;
import dev.llmlb.host.models.ModelLifecycle;
import dev.llmlb.host.models.ModelStatus;
import dev.llmlb.host.plugins.PluginRegistry;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.util.Optional;

/** The node's own routes under {@code /v0}: the catalog, model status and control, plugins. */
public final class NodeApi {

    private final Catalog catalog;
    private final ModelLifecycle models;
    private final PluginRegistry plugins;

    public NodeApi(Catalog catalog, ModelLifecycle models, PluginRegistry plugins) {
        this.catalog = catalog;
        this.models = models;
        this.plugins = plugins;
    }

    public void register(HttpRouting.Builder routing) {
        Endpoint.at("/v0/supported-models").get(this::supportedModels).register(routing);
        Endpoint.at("/v0/models/{id}/status").get(this::status).register(routing);
        Endpoint.at("/v0/models/{id}/pull").post(this::pull).register(routing);
        Endpoint.at("/v0/models/{id}").delete(this::delete).register(routing);
        Endpoint.at("/v0/models/{id}/events").get(this::events).register(routing);
        Endpoint.at("/v0/plugins").get(this::plugins).register(routing);
    }

    private ModelSpec spec(ServerRequest req) {
        String id = req.path().pathParameters().get("id");
        return catalog.find(id).orElseThrow(() -> FailureException.modelNotFound(id));
    }

    private void supportedModels(ServerRequest req, ServerResponse res) {
        ObjectNode body = Json.object();
        ArrayNode list = body.putArray("models");
        for (ModelSpec spec : catalog.models()) {
            ObjectNode model = list.addObject();
            model.put("id", spec.id());
            model.put("name", spec.name());
            model.put("source", spec.source());
            model.put("repo_id", spec.repoId());
            model.put("required_vram_mb", spec.requiredVramMb());
            ArrayNode tags = model.putArray("tags");
            spec.tags().forEach(tags::add);
            model.put("is_local", models.isLocal(spec));
            Optional<Failure> unavailable = models.unavailable(spec);
            model.put("available", unavailable.isEmpty());
            unavailable.ifPresent(f -> model.put("unavailable_reason", f.message()));
            model.put("status", models.status(spec).status());
            ModelCapabilities.put(model, models.capabilities(spec));
        }
        Responses.json(res, body);
    }

    private void status(ServerRequest req, ServerResponse res) {
        Responses.json(res, models.status(spec(req)));
    }

    private void pull(ServerRequest req, ServerResponse res) {
        ModelSpec spec = spec(req);
        models.unavailable(spec).ifPresent(f -> {
            throw f.exception();
        });
        boolean local = models.isLocal(spec);
        models.pull(spec);
        Responses.json(res, local ? 200 : 202, models.status(spec));
    }

    private void delete(ServerRequest req, ServerResponse res) {
        ModelSpec spec = spec(req);
        models.delete(spec);
        ObjectNode body = Json.object();
        body.put("id", spec.id());
        body.put("object", "model");
        body.put("deleted", true);
        Responses.json(res, body);
    }

    /**
     * Server-sent events with the model's status while it waits, downloads or loads (at most four a second, and at
     * every change of state), ending with the state it settles in, so a UI or the CLI can draw progress without
     * polling. A model that is idle gets its status once.
     */
    private void events(ServerRequest req, ServerResponse res) {
        ModelSpec spec = spec(req);
        try (SseStream sse = new SseStream(res)) {
            ModelStatus sent = null;
            long sentAt = 0;
            long heartbeatAt = System.nanoTime();
            while (true) {
                ModelStatus now = models.status(spec);
                boolean settled = SETTLED.contains(now.status());
                boolean stateChanged = sent == null || !sent.status().equals(now.status());
                boolean progressed = sent != null && sent.downloadedBytes() != now.downloadedBytes();
                if (stateChanged || settled || progressed && System.nanoTime() - sentAt > 250_000_000L) {
                    sse.send(now);
                    sent = now;
                    sentAt = System.nanoTime();
                    heartbeatAt = sentAt;
                }
                if (settled) {
                    return;
                }
                if (System.nanoTime() - heartbeatAt > 15_000_000_000L) {
                    sse.comment("waiting");
                    heartbeatAt = System.nanoTime();
                }
                Thread.sleep(100);
            }
        } catch (ClientGoneException e) {
            // the client went away
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** States a model rests in until a request or a pull moves it. */
    private static final java.util.Set<String> SETTLED = java.util.Set.of("not_downloaded", "local", "completed",
            "loaded", "error");

    private void plugins(ServerRequest req, ServerResponse res) {
        Responses.json(res, plugins.report());
    }
}
