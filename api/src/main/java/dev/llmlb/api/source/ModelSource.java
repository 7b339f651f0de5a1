package dev.llmlb.api.source;

import dev.llmlb.api.ModelSpec;

import java.util.List;
import java.util.Optional;

/**
 * Knows how one kind of model repository is laid out and plans what to fetch from it.
 *
 * <p>A source never moves bytes itself: it returns {@link RemoteFile}s and the host transfers them with
 * locking, single flight, resume, progress and verification. Planning may take several steps: each call of
 * {@link #plan} sees the files fetched by the steps before it (a safetensors index names its shards, so the
 * index is fetched first and the shards in a second step).
 */
public interface ModelSource {

    /**
     * Checks what this source needs of an entry beyond the common rules, e.g. the shape of {@code repo_id}.
     *
     * @return one message per problem, each naming the field, e.g. {@code "repo_id: must be owner/name"};
     *         empty when the entry is fine
     */
    List<String> validate(ModelSpec spec);

    /**
     * The format this source's models have, when it is known before anything is fetched (e.g. {@code gguf} for a
     * GGUF source). The host uses it to tell, before a download, that no installed engine could run the model.
     */
    default Optional<String> expectedFormat() {
        return Optional.empty();
    }

    /**
     * The next step of fetching {@code spec}.
     *
     * @return {@link FetchPlan.Fetch} with more files to fetch (the host then calls again), or
     *         {@link FetchPlan.Complete} once every file is in place
     * @throws PlanningException when the repository lacks what the model needs or cannot be read
     */
    FetchPlan plan(ModelSpec spec, PlanningContext context);
}
