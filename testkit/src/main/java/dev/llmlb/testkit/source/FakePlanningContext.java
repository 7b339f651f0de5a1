package dev.llmlb.testkit.source;

import dev.llmlb.api.source.FetchPlan;
import dev.llmlb.api.source.PlanningContext;
import dev.llmlb.api.source.PlanningException;
import dev.llmlb.api.source.RemoteFile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A {@link PlanningContext} without a network: documents are served from a map of URI to text, and "fetched"
 * files live in a folder of the test's choosing. It plays the host's part between planning steps with
 * {@link #fetch(FetchPlan.Fetch)}, which writes each planned file (with the content registered for its path,
 * else empty) as the host would after a verified download.
 */
public final class FakePlanningContext implements PlanningContext {

    private final URI endpoint;
    private final Path folder;
    private final Map<URI, String> documents = new ConcurrentHashMap<>();
    private final Map<String, String> contents = new ConcurrentHashMap<>();
    private final List<URI> reads = new CopyOnWriteArrayList<>();

    /**
     * @param endpoint what {@link #hubEndpoint()} answers, e.g. {@code https://hub.test}
     * @param folder   the model folder fetched files are written to; created when missing
     */
    public FakePlanningContext(URI endpoint, Path folder) {
        this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
        this.folder = Objects.requireNonNull(folder, "folder").toAbsolutePath().normalize();
    }

    /** Answers {@link #readText} for {@code uri} with {@code text}. */
    public FakePlanningContext serve(URI uri, String text) {
        documents.put(uri, text);
        return this;
    }

    /** Answers {@link #readText} for {@code uri} with this tree listing. */
    public FakePlanningContext serve(URI uri, HubTreeJson tree) {
        return serve(uri, tree.toJson());
    }

    /** What {@link #fetch} writes for a file planned at {@code path}. */
    public FakePlanningContext content(String path, String text) {
        contents.put(path, text);
        return this;
    }

    /** Plays the host: writes every file of the step into the folder, as fetched and verified. */
    public void fetch(FetchPlan.Fetch step) {
        for (RemoteFile file : step.files()) {
            markFetched(file.path(), contents.getOrDefault(file.path(), ""));
        }
    }

    /** Writes one file into the folder as if an earlier step had fetched it. */
    public Path markFetched(String relativePath, String content) {
        Path target = inside(relativePath).orElseThrow(
                () -> new IllegalArgumentException("outside the model folder: " + relativePath));
        try {
            Files.createDirectories(target.getParent());
            return Files.writeString(target, content, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every URI {@link #readText} was asked for, in order. */
    public List<URI> reads() {
        return List.copyOf(reads);
    }

    /** The model folder. */
    public Path folder() {
        return folder;
    }

    @Override
    public URI hubEndpoint() {
        return endpoint;
    }

    @Override
    public Optional<Path> fetchedFile(String relativePath) {
        return inside(relativePath).filter(Files::isRegularFile);
    }

    /** Like the host: an unknown document is the hub's 404. */
    @Override
    public String readText(URI uri) {
        reads.add(uri);
        String text = documents.get(uri);
        if (text == null) {
            throw new PlanningException("The hub answered 404 Not Found for " + uri);
        }
        return text;
    }

    private Optional<Path> inside(String relativePath) {
        Path resolved = folder.resolve(relativePath).normalize();
        return resolved.startsWith(folder) && !resolved.equals(folder) ? Optional.of(resolved) : Optional.empty();
    }
}
