package dev.llmlb.source.hf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmlb.api.ArtifactSpec;
import dev.llmlb.api.ModelSpec;
import dev.llmlb.api.source.FetchPlan;
import dev.llmlb.api.source.PlanningContext;
import dev.llmlb.api.source.PlanningException;
import dev.llmlb.api.source.RemoteFile;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One planning step's view of a HuggingFace repository: its tree (read once, only when needed), the operator's
 * artifacts, and the files fetched so far. Sources decide which files a model needs; this class turns that into
 * the next {@link FetchPlan.Fetch} or says everything is there.
 */
public final class HubRepo {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final ModelSpec spec;
    private final PlanningContext context;
    private Map<String, TreeEntry> tree;

    public HubRepo(ModelSpec spec, PlanningContext context) {
        this.spec = spec;
        this.context = context;
    }

    public ModelSpec spec() {
        return spec;
    }

    /** The repository's files, by path, from the hub's tree listing; unsafe paths are left out. */
    public Map<String, TreeEntry> tree() {
        if (tree == null) {
            tree = parseTree(context.readText(HubPaths.tree(context.hubEndpoint(), spec.repoId(), spec.revision())));
        }
        return tree;
    }

    static Map<String, TreeEntry> parseTree(String json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (IOException e) {
            throw new PlanningException("the hub's file listing is not valid JSON: " + e.getMessage());
        }
        if (root == null || !root.isArray()) {
            throw new PlanningException("the hub's file listing is not a JSON array");
        }
        Map<String, TreeEntry> files = new LinkedHashMap<>();
        for (JsonNode node : root) {
            if (!"file".equals(node.path("type").asText()) || !node.path("path").isTextual()) {
                continue;
            }
            String path = node.get("path").asText();
            if (!HubPaths.isSafeRelativePath(path)) {
                continue;
            }
            JsonNode lfs = node.get("lfs");
            Optional<String> sha = lfs != null && lfs.path("oid").isTextual()
                    ? Optional.of(lfs.get("oid").asText()) : Optional.empty();
            long size = lfs != null && lfs.has("size") ? lfs.get("size").asLong() : node.path("size").asLong(-1);
            files.put(path, new TreeEntry(path, size, sha));
        }
        return files;
    }

    /** Whether the repository has {@code path}: listed by the operator, or in the tree. */
    public boolean has(String path) {
        return artifact(path).isPresent() || tree().containsKey(path);
    }

    /** Whether {@code path} was fetched by an earlier step. */
    public boolean fetched(String path) {
        return context.fetchedFile(path).isPresent();
    }

    /** The local copy of a fetched file. */
    public Path local(String path) {
        return context.fetchedFile(path).orElseThrow(() -> new PlanningException(path + " was not fetched"));
    }

    /** Reads a fetched JSON file. */
    public JsonNode readJson(String path) {
        try {
            return JSON.readTree(Files.readString(local(path)));
        } catch (IOException e) {
            throw new PlanningException("cannot read " + path + " of " + spec.repoId() + ": " + e.getMessage());
        }
    }

    private Optional<ArtifactSpec> artifact(String path) {
        return spec.artifacts().stream().filter(a -> a.filename().equals(path)).findFirst();
    }

    /** The remote file: size and checksum from the operator's artifact, else from the tree, else unknown. */
    public RemoteFile remoteFile(String path) {
        if (!HubPaths.isSafeRelativePath(path)) {
            throw new PlanningException("refusing the unsafe file name '" + path + "' in " + spec.repoId());
        }
        Optional<ArtifactSpec> artifact = artifact(path);
        // A file the operator did not list takes its size and checksum from the tree.
        Optional<TreeEntry> listed = artifact.isPresent() ? Optional.empty() : Optional.ofNullable(tree().get(path));
        long size = artifact.map(ArtifactSpec::sizeBytes).orElseGet(() -> listed.map(TreeEntry::size)
                .filter(s -> s >= 0).orElse(RemoteFile.UNKNOWN_SIZE));
        Optional<String> sha = artifact.flatMap(ArtifactSpec::sha256).or(() -> listed.flatMap(TreeEntry::sha256));
        return new RemoteFile(path, HubPaths.resolve(context.hubEndpoint(), spec.repoId(), spec.revision(), path),
                size, sha);
    }

    /**
     * The next step for a model that needs {@code needed} (in order; the operator's listed artifacts are added):
     * the files not fetched yet, or empty when all are there.
     */
    public Optional<FetchPlan.Fetch> missing(List<String> needed) {
        Set<String> all = new LinkedHashSet<>(needed);
        spec.artifacts().forEach(a -> all.add(a.filename()));
        List<RemoteFile> files = new ArrayList<>();
        for (String path : all) {
            if (!fetched(path)) {
                files.add(remoteFile(path));
            }
        }
        return files.isEmpty() ? Optional.empty() : Optional.of(new FetchPlan.Fetch(files));
    }

    /** Fails naming every required file the repository lacks. */
    public void requirePresent(List<String> required) {
        List<String> absent = required.stream().filter(path -> !fetched(path) && !has(path)).toList();
        if (!absent.isEmpty()) {
            throw new PlanningException("repository " + spec.repoId() + " (revision " + spec.revision() + ") lacks "
                    + String.join(", ", absent));
        }
    }
}
