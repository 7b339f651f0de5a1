package dev.llmlb.testkit.source;

import dev.llmlb.api.ModelSpec;
import dev.llmlb.api.source.FetchPlan;
import dev.llmlb.api.source.ModelSource;
import dev.llmlb.api.source.PlanningContext;
import dev.llmlb.api.source.PlanningException;
import dev.llmlb.api.source.RemoteDocument;
import dev.llmlb.api.source.RemoteFile;
import dev.llmlb.api.source.SafePath;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Runs a {@link ModelSource}'s plan against a hub (the fake hub in tests) the way the node does, fetching each
 * step's files into a folder with a plain HTTP client, so a source can be tested on its own: which files it
 * plans, in how many steps, and what it reports at the end. It checks what the host relies on: safe relative
 * paths (the api's {@link SafePath}), files that match their planned size and SHA-256, request headers that go to
 * the file's own origin only (redirects to another host drop them, as the node does), at most a few steps, and a
 * plan that ends. As on the node, {@link PlanningContext#fetchedFile} answers only for files fetched in the run.
 */
public final class PlanRunner {

    private static final int MAX_STEPS = 8;
    private static final int MAX_REDIRECTS = 5;
    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    public PlanRunner() {
    }

    /**
     * What a run planned, step by step, and how it completed.
     *
     * @param context the run's planning context: planning again with it must complete at once
     */
    public record Result(List<List<RemoteFile>> steps, FetchPlan.Complete complete, Path folder,
                         PlanningContext context) {

        public List<String> paths() {
            return steps.stream().flatMap(List::stream).map(RemoteFile::path).toList();
        }
    }

    /** Plans and fetches until the source says complete. */
    public Result run(ModelSource source, ModelSpec spec, Path folder) {
        Set<String> fetched = ConcurrentHashMap.newKeySet();
        PlanningContext context = context(folder, fetched);
        List<List<RemoteFile>> steps = new ArrayList<>();
        for (int step = 0; step < MAX_STEPS; step++) {
            FetchPlan plan = source.plan(spec, context);
            if (plan instanceof FetchPlan.Complete complete) {
                return new Result(steps, complete, folder, context);
            }
            List<RemoteFile> files = ((FetchPlan.Fetch) plan).files();
            for (RemoteFile file : files) {
                if (!SafePath.isSafe(file.path())) {
                    throw new AssertionError("the source planned an unsafe path: " + file.path());
                }
                fetch(file, folder.resolve(file.path()));
                fetched.add(file.path());
            }
            steps.add(files);
        }
        throw new AssertionError("the source did not complete in " + MAX_STEPS + " steps");
    }

    private PlanningContext context(Path folder, Set<String> fetched) {
        return new PlanningContext() {
            @Override
            public Optional<Path> fetchedFile(String relativePath) {
                Path file = folder.resolve(relativePath);
                return fetched.contains(relativePath) && Files.isRegularFile(file) ? Optional.of(file)
                        : Optional.empty();
            }

            @Override
            public RemoteDocument read(URI uri, Map<String, String> headers) {
                Answer<String> answer = send(uri, headers, HttpResponse.BodyHandlers.ofString());
                if (answer.response().statusCode() != 200) {
                    throw new PlanningException("the hub answered " + answer.response().statusCode() + " for " + uri);
                }
                return new RemoteDocument(answer.uri(), answer.response().body(),
                        answer.response().headers().map());
            }
        };
    }

    private void fetch(RemoteFile file, Path target) {
        try {
            Files.createDirectories(target.getParent());
            Answer<InputStream> answer = send(file.uri(), file.headers(), HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream body = answer.response().body()) {
                if (answer.response().statusCode() != 200) {
                    throw new AssertionError("the hub answered " + answer.response().statusCode() + " for "
                            + file.uri());
                }
                MessageDigest sha = MessageDigest.getInstance("SHA-256");
                Files.copy(new DigestInputStream(body, sha), target, StandardCopyOption.REPLACE_EXISTING);
                long size = Files.size(target);
                if (file.sizeBytes() != RemoteFile.UNKNOWN_SIZE && size != file.sizeBytes()) {
                    throw new AssertionError(file.path() + " was planned at " + file.sizeBytes()
                            + " bytes; the hub served " + size);
                }
                String actual = HexFormat.of().formatHex(sha.digest());
                if (file.sha256().isPresent() && !file.sha256().get().equals(actual)) {
                    throw new AssertionError(file.path() + " was planned with sha256 " + file.sha256().get()
                            + "; the hub served " + actual);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private record Answer<T>(URI uri, HttpResponse<T> response) {
    }

    /** Follows redirects by hand, sending {@code headers} only while the request stays on the first origin. */
    private <T> Answer<T> send(URI uri, Map<String, String> headers, HttpResponse.BodyHandler<T> handler) {
        URI current = uri;
        try {
            for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
                HttpRequest.Builder request = HttpRequest.newBuilder(current);
                if (sameOrigin(uri, current)) {
                    headers.forEach(request::header);
                }
                HttpResponse<T> response = http.send(request.build(), handler);
                Optional<String> location = response.headers().firstValue("Location");
                if (response.statusCode() / 100 != 3 || location.isEmpty()) {
                    return new Answer<>(current, response);
                }
                if (response.body() instanceof InputStream in) {
                    in.close();
                }
                current = current.resolve(location.get());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        throw new AssertionError("more than " + MAX_REDIRECTS + " redirects for " + uri);
    }

    private static boolean sameOrigin(URI a, URI b) {
        return a.getScheme().equalsIgnoreCase(b.getScheme()) && a.getHost().equalsIgnoreCase(b.getHost())
                && port(a) == port(b);
    }

    private static int port(URI uri) {
        return uri.getPort() >= 0 ? uri.getPort() : "https".equals(uri.getScheme().toLowerCase(Locale.ROOT)) ? 443
                : 80;
    }
}
