package dev.llmlb.source.hf;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.llmlb.api.source.PlanningContext;
import dev.llmlb.api.source.PlanningException;
import dev.llmlb.api.source.RemoteDocument;
import dev.llmlb.api.source.SafePath;

import java.net.URI;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The files of one revision of a repository, from the hub's recursive tree listing.
 *
 * <p>Parsing refuses the whole listing when any entry's path is unsafe ({@link SafePath}): the hub itself never
 * lists such a path, so one there means a hostile or broken hub or mirror, and nothing it lists can be trusted.
 * A large repository's listing comes in pages, each naming the next in a {@code Link} header; {@link #read}
 * follows them.
 */
public final class RepoTree {

    private static final ObjectMapper JSON = JsonMapper.builder().build();
    /** More pages than any repository has (the hub sends 1000 entries per page); beyond, the listing is broken. */
    static final int MAX_PAGES = 1000;

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
     * Reads the revision's whole listing through the host, page after page as each page's {@code Link} header
     * names the next, the hub's token going only to the hub.
     *
     * @throws PlanningException when a page cannot be read or parsed, an entry's path is unsafe, or the pages do
     *                           not end
     */
    public static RepoTree read(HubRepo repo, PlanningContext context) {
        String listing = "the file listing of " + repo.describe();
        List<TreeEntry> entries = new ArrayList<>();
        Set<URI> seen = new HashSet<>();
        Optional<URI> next = Optional.of(repo.treeUri());
        while (next.isPresent()) {
            URI page = next.get();
            if (!seen.add(page) || seen.size() > MAX_PAGES) {
                throw new PlanningException("The hub's pages of " + listing + " do not end (more than "
                        + Math.min(seen.size(), MAX_PAGES) + " pages, or a page that links back).");
            }
            RemoteDocument document = context.read(page, repo.hub().headersFor(page));
            entries.addAll(entries(document.text(), listing));
            next = LinkHeader.next(document.header("Link").orElse(null), document.uri());
        }
        return of(entries);
    }

    /**
     * Parses the JSON array the hub answers to {@code GET /api/models/{repo}/tree/{revision}?recursive=true}.
     * Unknown fields are ignored.
     *
     * @param origin what the listing is of, for messages, e.g. {@code "repository owner/name"}
     * @throws PlanningException when the text is not such an array or an entry's path is unsafe
     */
    public static RepoTree parse(String json, String origin) {
        return of(entries(json, "the file listing of " + origin));
    }

    private static List<TreeEntry> entries(String json, String listing) {
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
            SafePath.requireFrom(path, listing);
            JsonNode lfs = node.get("lfs");
            Optional<TreeEntry.Lfs> lfsInfo = lfs != null && lfs.isObject() && lfs.hasNonNull("oid")
                    ? Optional.of(new TreeEntry.Lfs(lfs.get("oid").asText(), lfs.path("size").asLong(-1)))
                    : Optional.empty();
            entries.add(new TreeEntry(type, path, node.path("size").asLong(-1), node.path("oid").asText(""), lfsInfo));
        }
        return entries;
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
