package dev.llmlb.testkit.source;

import dev.llmlb.api.ModelSpec;
import dev.llmlb.api.source.FetchPlan;
import dev.llmlb.api.source.ModelSource;
import dev.llmlb.api.source.PlanningContext;
import dev.llmlb.api.source.PlanningException;
import dev.llmlb.api.source.RemoteFile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Runs a {@link ModelSource}'s plan against a hub (the fake hub in tests) the way the node does, fetching each
 * step's files into a folder with a plain HTTP client, so a source can be tested on its own: which files it
 * plans, in how many steps, and what it reports at the end. It checks what the host relies on: safe relative
 * paths, at most a few steps, and a plan that ends.
 */
public final class PlanRunner {

    private static final int MAX_STEPS = 8;
    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).build();
    private final URI hub;

    public PlanRunner(URI hub) {
        this.hub = hub;
    }

    /** What a run planned, step by step, and how it completed. */
    public record Result(List<List<RemoteFile>> steps, FetchPlan.Complete complete, Path folder) {

        public List<String> paths() {
            return steps.stream().flatMap(List::stream).map(RemoteFile::path).toList();
        }
    }

    /** Plans and fetches until the source says complete. */
    public Result run(ModelSource source, ModelSpec spec, Path folder) {
        PlanningContext context = context(folder);
        List<List<RemoteFile>> steps = new ArrayList<>();
        for (int step = 0; step < MAX_STEPS; step++) {
            FetchPlan plan = source.plan(spec, context);
            if (plan instanceof FetchPlan.Complete complete) {
                return new Result(steps, complete, folder);
            }
            List<RemoteFile> files = ((FetchPlan.Fetch) plan).files();
            for (RemoteFile file : files) {
                if (!isSafe(file.path())) {
                    throw new AssertionError("the source planned an unsafe path: " + file.path());
                }
                fetch(file, folder.resolve(file.path()));
            }
            steps.add(files);
        }
        throw new AssertionError("the source did not complete in " + MAX_STEPS + " steps");
    }

    /** A planning context over {@code folder} and the hub, as the host gives it. */
    public PlanningContext context(Path folder) {
        return new PlanningContext() {
            @Override
            public URI hubEndpoint() {
                return hub;
            }

            @Override
            public Optional<Path> fetchedFile(String relativePath) {
                Path file = folder.resolve(relativePath);
                return isSafe(relativePath) && Files.isRegularFile(file) ? Optional.of(file) : Optional.empty();
            }

            @Override
            public String readText(URI uri) {
                HttpResponse<String> response = send(uri, HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() != 200) {
                    throw new PlanningException("the hub answered " + response.statusCode() + " for " + uri);
                }
                return response.body();
            }
        };
    }

    private void fetch(RemoteFile file, Path target) {
        try {
            Files.createDirectories(target.getParent());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        HttpResponse<Path> response = send(file.uri(), HttpResponse.BodyHandlers.ofFile(target));
        if (response.statusCode() != 200) {
            throw new AssertionError("the hub answered " + response.statusCode() + " for " + file.uri());
        }
    }

    private <T> HttpResponse<T> send(URI uri, HttpResponse.BodyHandler<T> handler) {
        try {
            return http.send(HttpRequest.newBuilder(uri).build(), handler);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static boolean isSafe(String path) {
        if (path.isEmpty() || path.startsWith("/") || path.contains("\\")) {
            return false;
        }
        for (String segment : path.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                return false;
            }
        }
        return true;
    }
}
