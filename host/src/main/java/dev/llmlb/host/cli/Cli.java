package dev.llmlb.host.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmlb.api.ModelSpec;
import dev.llmlb.api.engine.LocalModel;
import dev.llmlb.host.NodeOptions;
import dev.llmlb.host.NodeParts;
import dev.llmlb.host.config.ConfigException;
import dev.llmlb.host.config.NodeConfig;
import dev.llmlb.host.failure.FailureException;
import dev.llmlb.host.json.Json;
import dev.llmlb.host.models.ModelStatus;
import dev.llmlb.host.resolve.FetchException;
import dev.llmlb.host.resolve.FetchListener;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * {@code llmlb-node <command>}: operates a node from the shell. Commands use the running node's API when one
 * answers at {@code --url} (default: this machine, {@code LLMLB_PORT}); otherwise they work on the models folder
 * directly, with the same locks, so {@code pull} is safe beside a running node too.
 *
 * <p>Exit codes: 0 done; 1 the operation failed (download failed, model in use); 2 bad usage or configuration;
 * 3 unknown model.
 */
public final class Cli {

    public static final int OK = 0;
    public static final int FAILED = 1;
    public static final int USAGE = 2;
    public static final int UNKNOWN_MODEL = 3;

    static final String USAGE_TEXT = """
            Usage: llmlb-node [command] [options]

            Commands:
              serve              start the node (the default)
              pull <model-id>    download a model listed in supported_models.json, with a progress bar
              list               the supported models, whether each is on disk or loaded, and its size
              status <model-id>  a model's state and download progress
              rm <model-id>      delete a model's files (not while it downloads or serves requests)
              plugins            the sources and engines found, where from, and those that failed to load
              demo               start a node with a built-in local hub of tiny generated models (no network)

            Options:
              --url URL          the node to talk to (default http://127.0.0.1:$LLMLB_PORT, or 8080)
              --key KEY          the API key (default: the first of LLMLB_API_KEYS, else sk_debug)
              --progress MODE    bar, plain or none (default: bar on a terminal, plain otherwise)
              --json             print JSON instead of text
              -h, --help         this help

            Without a running node, pull, list, status, rm and plugins work on the models folder directly.
            Exit codes: 0 done, 1 failed, 2 bad usage or configuration, 3 unknown model.""";

    private final NodeOptions options;
    private final PrintStream out;
    private final PrintStream err;
    private final List<String> arguments = new ArrayList<>();
    private String url;
    private String key;
    private ProgressBar.Mode progress;
    private boolean json;

    private Cli(NodeOptions options, PrintStream out, PrintStream err, boolean terminal) {
        this.options = options;
        this.out = out;
        this.err = err;
        this.progress = terminal ? ProgressBar.Mode.BAR : ProgressBar.Mode.PLAIN;
    }

    /**
     * Runs a command other than {@code serve}.
     *
     * @param terminal whether {@code out} is a terminal (progress bars redraw in place)
     * @return the exit code
     */
    public static int run(String[] args, NodeOptions options, PrintStream out, PrintStream err, boolean terminal) {
        Cli cli = new Cli(options, out, err, terminal);
        try {
            return cli.dispatch(args);
        } catch (UsageException e) {
            err.println("llmlb-node: " + e.getMessage());
            err.println("Try 'llmlb-node --help'.");
            return USAGE;
        } catch (ConfigException e) {
            err.println("llmlb-node: the configuration has problems:");
            e.problems().forEach(p -> err.println("  - " + p));
            return USAGE;
        } catch (NodeUnreachableException e) {
            err.println("llmlb-node: " + e.getMessage());
            return FAILED;
        }
    }

    /** The node named with {@code --url} does not answer: its files may be elsewhere, so nothing local is shown. */
    private static final class NodeUnreachableException extends RuntimeException {
        NodeUnreachableException(String message) {
            super(message, null, false, false);
        }
    }

    private static final class UsageException extends RuntimeException {
        UsageException(String message) {
            super(message);
        }
    }

    private int dispatch(String[] args) {
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--url" -> url = value(args, ++i, "--url");
                case "--key" -> key = value(args, ++i, "--key");
                case "--json" -> json = true;
                case "--progress" -> progress = switch (value(args, ++i, "--progress")) {
                    case "bar" -> ProgressBar.Mode.BAR;
                    case "plain" -> ProgressBar.Mode.PLAIN;
                    case "none" -> ProgressBar.Mode.NONE;
                    default -> throw new UsageException("--progress takes bar, plain or none");
                };
                case "-h", "--help", "help" -> {
                    out.println(USAGE_TEXT);
                    return OK;
                }
                default -> {
                    if (args[i].startsWith("-")) {
                        throw new UsageException("unknown option " + args[i]);
                    }
                    arguments.add(args[i]);
                }
            }
        }
        if (arguments.isEmpty()) {
            throw new UsageException("no command");
        }
        String command = arguments.get(0);
        return switch (command) {
            case "pull" -> pull(modelArgument());
            case "list" -> list();
            case "status" -> status(modelArgument());
            case "rm" -> remove(modelArgument());
            case "plugins" -> plugins();
            default -> throw new UsageException("unknown command '" + command + "'");
        };
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new UsageException(option + " needs a value");
        }
        return args[i];
    }

    private String modelArgument() {
        if (arguments.size() != 2) {
            throw new UsageException(arguments.get(0) + " takes one model id");
        }
        return arguments.get(1);
    }

    private NodeClient client() {
        NodeConfig config = dev.llmlb.host.Node.config(options);
        String address = url != null ? url : "http://127.0.0.1:" + config.port();
        String apiKey = key != null ? key : config.acceptedKeys().get(0);
        return new NodeClient(URI.create(address), apiKey);
    }

    /**
     * The running node, when one answers. A node named with {@code --url} must answer; only when none was named does
     * the command fall back to this machine's models folder, and it says so.
     */
    private Optional<NodeClient> runningNode() {
        NodeClient client = client();
        if (client.reachable()) {
            return Optional.of(client);
        }
        if (url != null) {
            throw new NodeUnreachableException("no node answers at " + url + "; check the address, or leave --url "
                    + "out to work on this machine's models folder");
        }
        err.println("No node answers at " + client.base() + "; working on the models folder of this machine.");
        return Optional.empty();
    }

    private int pull(String id) {
        Optional<NodeClient> node = runningNode();
        return node.isPresent() ? pullThrough(node.get(), id) : pullHere(id);
    }

    private int pullThrough(NodeClient node, String id) {
        try {
            NodeClient.Answer started = node.post("/v0/models/" + id + "/pull");
            if (started.status() == 404) {
                err.println(started.errorMessage());
                return UNKNOWN_MODEL;
            }
            if (started.status() >= 400) {
                err.println("Cannot pull " + id + ": " + started.errorMessage());
                return FAILED;
            }
            ProgressBar bar = new ProgressBar(out, progress);
            JsonNode last = node.follow("/v0/models/" + id + "/events", event -> {
                bar.update(event.path("status").asText(), event.path("downloaded_bytes").asLong(),
                        event.path("total_bytes").asLong());
                return true;
            });
            bar.finish();
            return reportPull(id, last == null ? started.body() : last);
        } catch (IOException e) {
            err.println("Lost the node at " + node.base() + ": " + e.getMessage());
            return FAILED;
        }
    }

    private int reportPull(String id, JsonNode status) {
        String state = status.path("status").asText();
        if (state.equals("error")) {
            err.println(status.path("error_message").asText("Failed to download model " + id));
            return FAILED;
        }
        if (json) {
            out.println(status.toString());
        } else {
            out.println(id + " is " + state + " at " + status.path("local_path").asText() + " ("
                    + ProgressBar.megabytes(status.path("total_bytes").asLong()) + ")");
        }
        return OK;
    }

    /** The catalog entry of {@code id}; says so when there is none. */
    private Optional<ModelSpec> find(NodeParts parts, String id) {
        Optional<ModelSpec> spec = parts.catalog().find(id);
        if (spec.isEmpty()) {
            err.println("Model '" + id + "' is not supported. Check supported_models.json.");
        }
        return spec;
    }

    private int pullHere(String id) {
        try (NodeParts parts = NodeParts.open(options)) {
            Optional<ModelSpec> spec = find(parts, id);
            if (spec.isEmpty()) {
                return UNKNOWN_MODEL;
            }
            Optional<LocalModel> local = parts.resolver().findLocal(spec.get());
            if (local.isEmpty()) {
                if (parts.plugins().source(spec.get().source()).isEmpty()) {
                    err.println("No source plugin for '" + spec.get().source() + "' is installed.");
                    return FAILED;
                }
                ProgressBar bar = new ProgressBar(out, progress);
                try {
                    local = Optional.of(parts.resolver().fetch(spec.get(), new FetchListener() {
                        @Override
                        public void waiting(long downloaded, long total) {
                            bar.update("waiting", downloaded, total);
                        }

                        @Override
                        public void downloading(long downloaded, long total) {
                            bar.update("downloading", downloaded, total);
                        }
                    }));
                } finally {
                    bar.finish();
                }
            }
            return reportPull(id, Json.mapper().valueToTree(ModelStatus.onDisk(spec.get(), local,
                    parts.resolver().folder(spec.get()))));
        } catch (FetchException e) {
            err.println(e.failure().message());
            return FAILED;
        }
    }

    private int list() {
        Optional<NodeClient> node = runningNode();
        ArrayNode rows = Json.mapper().createArrayNode();
        try {
            if (node.isPresent()) {
                for (JsonNode model : node.get().get("/v0/supported-models").body().path("models")) {
                    JsonNode status = node.get().get("/v0/models/" + model.get("id").asText() + "/status").body();
                    rows.add(row(model.get("id").asText(), model.get("source").asText(), status.path("status")
                            .asText(), status.path("total_bytes").asLong(), model.get("name").asText()));
                }
            } else {
                try (NodeParts parts = NodeParts.open(options)) {
                    for (ModelSpec spec : parts.catalog().models()) {
                        ModelStatus status = ModelStatus.onDisk(spec, parts.resolver().findLocal(spec),
                                parts.resolver().folder(spec));
                        rows.add(row(spec.id(), spec.source(), status.status(), status.totalBytes(), spec.name()));
                    }
                }
            }
        } catch (IOException e) {
            err.println("Lost the node: " + e.getMessage());
            return FAILED;
        }
        if (json) {
            out.println(rows.toString());
            return OK;
        }
        out.printf(Locale.ROOT, "%-32s %-16s %-15s %10s  %s%n", "ID", "SOURCE", "STATE", "SIZE", "NAME");
        for (JsonNode row : rows) {
            long size = row.get("size_bytes").asLong();
            out.printf(Locale.ROOT, "%-32s %-16s %-15s %10s  %s%n", row.get("id").asText(), row.get("source").asText(),
                    row.get("state").asText(), size > 0 ? ProgressBar.megabytes(size) : "-", row.get("name").asText());
        }
        return OK;
    }

    private static ObjectNode row(String id, String source, String state, long size, String name) {
        ObjectNode row = Json.object();
        row.put("id", id);
        row.put("source", source);
        row.put("state", state);
        row.put("size_bytes", size);
        row.put("name", name);
        return row;
    }

    private int status(String id) {
        Optional<NodeClient> node = runningNode();
        JsonNode status;
        try {
            if (node.isPresent()) {
                NodeClient.Answer answer = node.get().get("/v0/models/" + id + "/status");
                if (answer.status() == 404) {
                    err.println(answer.errorMessage());
                    return UNKNOWN_MODEL;
                }
                status = answer.body();
            } else {
                try (NodeParts parts = NodeParts.open(options)) {
                    Optional<ModelSpec> spec = find(parts, id);
                    if (spec.isEmpty()) {
                        return UNKNOWN_MODEL;
                    }
                    status = Json.mapper().valueToTree(ModelStatus.onDisk(spec.get(),
                            parts.resolver().findLocal(spec.get()), parts.resolver().folder(spec.get())));
                }
            }
        } catch (IOException e) {
            err.println("Lost the node: " + e.getMessage());
            return FAILED;
        }
        if (json) {
            out.println(status.toString());
        } else {
            status.properties().forEach(field -> out.println(field.getKey() + ": " + field.getValue().asText()));
        }
        return OK;
    }

    private int remove(String id) {
        Optional<NodeClient> node = runningNode();
        try {
            if (node.isPresent()) {
                NodeClient.Answer answer = node.get().delete("/v0/models/" + id);
                if (answer.status() == 404) {
                    err.println(answer.errorMessage());
                    return UNKNOWN_MODEL;
                }
                if (answer.status() != 200) {
                    err.println("Cannot delete " + id + ": " + answer.errorMessage());
                    return FAILED;
                }
            } else {
                try (NodeParts parts = NodeParts.open(options)) {
                    Optional<ModelSpec> spec = find(parts, id);
                    if (spec.isEmpty()) {
                        return UNKNOWN_MODEL;
                    }
                    // The resolver refuses under the cross-process lock while another process downloads or serves it.
                    parts.resolver().delete(spec.get());
                }
            }
        } catch (IOException e) {
            err.println("Cannot delete " + id + ": " + e.getMessage());
            return FAILED;
        } catch (FailureException e) {
            err.println("Cannot delete " + id + ": " + e.getMessage());
            return FAILED;
        }
        out.println("Deleted " + id);
        return OK;
    }

    private int plugins() {
        Optional<NodeClient> node = runningNode();
        JsonNode body;
        try {
            if (node.isPresent()) {
                body = node.get().get("/v0/plugins").body();
            } else {
                try (NodeParts parts = NodeParts.open(options)) {
                    body = Json.mapper().valueToTree(parts.plugins().report());
                }
            }
        } catch (IOException e) {
            err.println("Lost the node: " + e.getMessage());
            return FAILED;
        }
        if (json) {
            out.println(body.toString());
            return OK;
        }
        out.printf(Locale.ROOT, "%-7s %-16s %-14s %s%n", "KIND", "NAME", "FORMATS", "FROM");
        for (JsonNode p : body.path("plugins")) {
            List<String> formats = new ArrayList<>();
            p.path("formats").forEach(f -> formats.add(f.asText()));
            out.printf(Locale.ROOT, "%-7s %-16s %-14s %s%n", p.get("kind").asText(), p.get("name").asText(),
                    formats.isEmpty() ? "-" : String.join(",", formats), p.get("location").asText());
        }
        for (JsonNode f : body.path("failures")) {
            out.println("FAILED  " + f.get("location").asText() + ": " + f.get("reason").asText());
        }
        return body.path("failures").isEmpty() ? OK : FAILED;
    }
}
