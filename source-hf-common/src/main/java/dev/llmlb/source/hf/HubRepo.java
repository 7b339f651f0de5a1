package dev.llmlb.source.hf;

import dev.llmlb.api.ModelSpec;
import dev.llmlb.api.source.PlanningException;
import dev.llmlb.api.source.RemoteFile;

import java.net.URI;
import java.util.Collection;
import java.util.Objects;
import java.util.Optional;

/**
 * One revision of one repository on one hub: what every URL, request header and message of a plan is built from.
 *
 * @param hub      the hub and its token
 * @param repoId   the repository
 * @param revision branch, tag or commit
 */
public record HubRepo(HubAccess hub, RepoId repoId, String revision) {

    public HubRepo {
        Objects.requireNonNull(hub, "hub");
        Objects.requireNonNull(repoId, "repoId");
        if (revision == null || revision.isEmpty()) {
            throw new IllegalArgumentException("revision is empty");
        }
    }

    /**
     * The repository a model entry names, on {@code hub}.
     *
     * @throws PlanningException when the entry's {@code repo_id} is not {@code owner/name}
     */
    public static HubRepo of(ModelSpec spec, HubAccess hub) {
        try {
            return new HubRepo(hub, RepoId.parse(spec.repoId()), spec.revision());
        } catch (IllegalArgumentException e) {
            throw new PlanningException("Model '" + spec.id() + "' has an invalid repo_id '"
                    + RepoId.printable(spec.repoId()) + "': " + e.getMessage() + ".");
        }
    }

    /** Where the file at {@code path} in this revision is downloaded from. */
    public URI resolveUri(String path) {
        return HubUris.resolve(hub.endpoint(), repoId, revision, path);
    }

    /** The file at {@code path} of this revision, with the hub's token when there is one. */
    public RemoteFile remoteFile(String path, long sizeBytes, Optional<String> sha256) {
        URI uri = resolveUri(path);
        return new RemoteFile(path, uri, sizeBytes, sha256, hub.headersFor(uri));
    }

    /** The recursive tree listing of this revision (its first page). */
    public URI treeUri() {
        return HubUris.tree(hub.endpoint(), repoId, revision);
    }

    /** {@code repository owner/name}, plus the revision when it is not {@code main}; for messages. */
    public String describe() {
        String repo = "repository " + repoId;
        return ModelSpec.DEFAULT_REVISION.equals(revision) ? repo
                : repo + " at revision " + RepoId.printable(revision);
    }

    /** The error for required files this revision does not have: {@code repository o/n lacks a, b}. */
    public PlanningException lacks(Collection<String> paths) {
        return new PlanningException(describe() + " lacks " + String.join(", ", paths) + ".");
    }
}
