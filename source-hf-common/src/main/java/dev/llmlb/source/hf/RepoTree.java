package dev.llmlb.source.hf;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.llmlb.api.source.PlanningException;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The files of one revision of a repository, from the hub's recursive tree listing.
 *
 * <p>Parsing refuses the whole listing when any entry's path is unsafe ({@link SafePaths}): the hub itself never
 * lists such a path, so one there means a hostile or broken hub or mirror, and nothing it lists can be trusted.
 */
public final class RepoTree {

    private static final ObjectMapper JSON = JsonMapper.builder().build();

    private final Map<String, TreeEntry> files;

    private RepoTree(Map<String, TreeEntry> files) {
        this.files = files;
    }

    /** A tree of these entries; directories are dropped, the first of two entries with one path is kept. */
    public static RepoTree of(List<TreeEntry> entries) {
        Map<String, TreeEntry> files = new LinkedHashMap<>();
        for (TreeEntry entry : entries) {
            if (entry.isFile()) {
                files.putIfAbsent(entry.path(), entry);
            }
        }
        return new RepoTree(java.util.Collections.unmodifiableMap(files));
    }

    /**
     * Parses the JSON array the hub answers to {@code GET /api/models/{repo}/tree/{revision}?recursive=true}.
     * Unknown fields are ignored.
     *
     * @param origin what the listing is of, for messages, e.g. {@code "repository owner/name"}
     * @throws PlanningException when the text is not such an array or an entry's path is unsafe
     */
    public static RepoTree parse(String json, String origin) {
        String listing = "the file listing of " + origin;
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JacksonException e) {
            throw new PlanningException("The hub answered " + listing + " with invalid JSON: "
                    + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isArray()) {
            throw new PlanningException("The hub answered " + listing + " with something other than a JSON array.");
        }
        List<TreeEntry> entries = new ArrayList<>(root.size());
        for (JsonNode node : root) {
            String path = node.path("path").asText(null);
            String type = node.path("type").asText(null);
            if (path == null || type == null) {
                throw new PlanningException("The hub answered " + listing + " with an entry lacking 'path' or 'type'.");
            }
            SafePaths.requireSafe(path, listing);
            JsonNode lfs = node.get("lfs");
            Optional<TreeEntry.Lfs> lfsInfo = lfs != null && lfs.isObject() && lfs.hasNonNull("oid")
                    ? Optional.of(new TreeEntry.Lfs(lfs.get("oid").asText(), lfs.path("size").asLong(-1)))
                    : Optional.empty();
            entries.add(new TreeEntry(type, path, node.path("size").asLong(-1), node.path("oid").asText(""), lfsInfo));
        }
        return of(entries);
    }

    /** The file at {@code path}, compared exactly. */
    public Optional<TreeEntry> file(String path) {
        return Optional.ofNullable(files.get(path));
    }

    public boolean contains(String path) {
        return files.containsKey(path);
    }

    /** Every file, in listing order. */
    public List<TreeEntry> files() {
        return List.copyOf(files.values());
    }
}
