package dev.llmlb.testkit.source;

import dev.llmlb.api.source.FetchPlan;
import dev.llmlb.api.source.PlanningContext;
import dev.llmlb.api.source.PlanningException;
import dev.llmlb.api.source.RemoteDocument;
import dev.llmlb.api.source.RemoteFile;
import dev.llmlb.api.source.SafePath;

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
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A {@link PlanningContext} without a network: documents are served from a map of URI to text (and response
 * headers), and "fetched" files live in a folder of the test's choosing. It plays the host's part between planning
 * steps with {@link #fetch(FetchPlan.Fetch)}, which writes each planned file (with the content registered for its
 * path, else empty) as the host would after a verified download. Like the host, {@link #fetchedFile} answers only
 * for files fetched through this context, never for whatever else sits in the folder.
 */
public final class FakePlanningContext implements PlanningContext {

    /** One {@link #read} call: what was asked for, with which request headers. */
    public record Read(URI uri, Map<String, String> headers) {
    }

    private record Document(String text, Map<String, List<String>> headers) {
    }

    private final Path folder;
    private final Map<URI, Document> documents = new ConcurrentHashMap<>();
    private final Map<String, String> contents = new ConcurrentHashMap<>();
    private final Set<String> fetched = ConcurrentHashMap.newKeySet();
    private final List<Read> reads = new CopyOnWriteArrayList<>();

    /** @param folder the model folder fetched files are written to; created when missing */
    public FakePlanningContext(Path folder) {
        this.folder = Objects.requireNonNull(folder, "folder").toAbsolutePath().normalize();
    }

    /** Answers {@link #read} for {@code uri} with {@code text}. */
    public FakePlanningContext serve(URI uri, String text) {
        return serve(uri, text, Map.of());
    }

    /** Answers {@link #read} for {@code uri} with {@code text} and these response headers (e.g. {@code Link}). */
    public FakePlanningContext serve(URI uri, String text, Map<String, String> responseHeaders) {
        Map<String, List<String>> headers = new java.util.HashMap<>();
        responseHeaders.forEach((name, value) -> headers.put(name, List.of(value)));
        documents.put(uri, new Document(text, headers));
        return this;
    }

    /** Answers {@link #read} for {@code uri} with this tree listing. */
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
        SafePath.require(relativePath);
        Path target = folder.resolve(relativePath);
        try {
            Files.createDirectories(target.getParent());
            Files.writeString(target, content, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        fetched.add(relativePath);
        return target;
    }

    /** Every URI {@link #read} was asked for, in order. */
    public List<URI> reads() {
        return reads.stream().map(Read::uri).toList();
    }

    /** Every {@link #read} call with its request headers, in order. */
    public List<Read> requests() {
        return List.copyOf(reads);
    }

    /** The model folder. */
    public Path folder() {
        return folder;
    }

    @Override
    public Optional<Path> fetchedFile(String relativePath) {
        if (!fetched.contains(relativePath)) {
            return Optional.empty();
        }
        return Optional.of(folder.resolve(relativePath)).filter(Files::isRegularFile);
    }

    /** Like the host: an unknown document is the hub's 404. */
    @Override
    public RemoteDocument read(URI uri, Map<String, String> headers) {
        reads.add(new Read(uri, Map.copyOf(headers)));
        Document document = documents.get(uri);
        if (document == null) {
            throw new PlanningException("The hub answered 404 Not Found for " + uri);
        }
        return new RemoteDocument(uri, document.text(), document.headers());
    }
}
