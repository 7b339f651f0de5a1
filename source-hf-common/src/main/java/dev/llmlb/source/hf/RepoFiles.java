package dev.llmlb.source.hf;

import dev.llmlb.api.ArtifactSpec;
import dev.llmlb.api.ModelSpec;
import dev.llmlb.api.source.PlanningContext;
import dev.llmlb.api.source.PlanningException;
import dev.llmlb.api.source.RemoteFile;
import dev.llmlb.api.source.SafePath;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A repository's files as one model entry sees them: the hub's tree, with the entry's listed {@code artifacts}
 * taking precedence for size and SHA-256.
 *
 * @param repo      the repository revision
 * @param tree      its files
 * @param artifacts the entry's listed files by path
 */
public record RepoFiles(HubRepo repo, RepoTree tree, Map<String, ArtifactSpec> artifacts) {

    private static final System.Logger LOG = System.getLogger(RepoFiles.class.getName());

    public RepoFiles {
        artifacts = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(artifacts));
    }

    /**
     * Reads the tree of the repository {@code spec} names on {@code hub} through the host, every page of it.
     *
     * @throws PlanningException when {@code repo_id} is invalid, the listing cannot be read, or it is unsafe
     */
    public static RepoFiles read(ModelSpec spec, PlanningContext context, HubAccess hub) {
        HubRepo repo = HubRepo.of(spec, hub);
        return new RepoFiles(repo, RepoTree.read(repo, context), byPath(spec.artifacts()));
    }

    private static Map<String, ArtifactSpec> byPath(List<ArtifactSpec> artifacts) {
        Map<String, ArtifactSpec> byPath = new LinkedHashMap<>();
        for (ArtifactSpec artifact : artifacts) {
            byPath.putIfAbsent(artifact.filename(), artifact);
        }
        return byPath;
    }

    /** The file at {@code path} when the revision has it. */
    public Optional<RemoteFile> optional(String path) {
        return tree.file(path).map(this::toRemoteFile);
    }

    /**
     * The files at {@code paths}, in order and without repeats.
     *
     * @throws PlanningException naming every path the revision lacks
     */
    public List<RemoteFile> require(Collection<String> paths) {
        List<String> missing = new ArrayList<>();
        Map<String, RemoteFile> files = new LinkedHashMap<>();
        for (String path : paths) {
            if (!files.containsKey(path) && !missing.contains(path)) {
                optional(path).ifPresentOrElse(f -> files.put(path, f), () -> missing.add(path));
            }
        }
        if (!missing.isEmpty()) {
            throw repo.lacks(missing);
        }
        return List.copyOf(files.values());
    }

    /**
     * A tree entry as a file to fetch to the same relative path, with the listed artifact's size and SHA-256
     * when the entry names one.
     *
     * <p>A listed size that differs from the hub's is taken as a rounding by hand (the user's quickstart lists
     * {@code 876000000} for a file of another size) when a SHA-256 proves the content: the download then verifies
     * against the hub's size and the checksum, and a warning asks for the entry to be corrected.
     *
     * @throws PlanningException when the listed SHA-256 contradicts the hub's, or the listed size does and there is
     *                           no checksum to verify by: the download could never verify, so it fails now with
     *                           both values named
     */
    public RemoteFile toRemoteFile(TreeEntry entry) {
        String path = SafePath.requireFrom(entry.path(), "the file listing of " + repo.describe());
        long treeSize = entry.sizeBytes();
        Optional<String> treeSha = entry.sha256();
        ArtifactSpec listed = artifacts.get(path);
        if (listed == null) {
            return repo.remoteFile(path, treeSize >= 0 ? treeSize : RemoteFile.UNKNOWN_SIZE, treeSha);
        }
        long size = listed.sizeBytes() > 0 ? listed.sizeBytes() : treeSize;
        if (listed.sizeBytes() > 0 && treeSize >= 0 && listed.sizeBytes() != treeSize
                && (treeSha.isPresent() || listed.sha256().isPresent())) {
            LOG.log(System.Logger.Level.WARNING, "{0} is listed with size_bytes {1} but {2} has it at {3} bytes; "
                    + "verifying against the hub''s size and SHA-256. Correct size_bytes in supported_models.json.",
                    path, listed.sizeBytes(), repo.describe(), treeSize);
            size = treeSize;
        } else if (listed.sizeBytes() > 0 && treeSize >= 0 && listed.sizeBytes() != treeSize) {
            throw new PlanningException("Artifact '" + path + "' is listed in supported_models.json with size_bytes "
                    + listed.sizeBytes() + ", but " + repo.describe() + " has it at " + treeSize
                    + " bytes. Correct size_bytes (the download could not verify otherwise).");
        }
        if (listed.sha256().isPresent() && treeSha.isPresent() && !listed.sha256().equals(treeSha)) {
            throw new PlanningException("Artifact '" + path + "' is listed in supported_models.json with sha256 "
                    + listed.sha256().get() + ", but " + repo.describe() + " has sha256 " + treeSha.get()
                    + ". Correct or remove sha256 (the download could not verify otherwise).");
        }
        return repo.remoteFile(path, size >= 0 ? size : RemoteFile.UNKNOWN_SIZE, listed.sha256().or(() -> treeSha));
    }
}
