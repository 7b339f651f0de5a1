package dev.llmlb.api;

import java.util.List;
import java.util.Objects;

/**
 * One entry of {@code supported_models.json}, already checked for the rules every source shares (id shape,
 * artifact paths, positive sizes). A source may check more in {@link dev.llmlb.api.source.ModelSource#validate}.
 *
 * @param id             the name clients use in {@code "model"}: {@code [A-Za-z0-9._-]{1,128}}
 * @param name           a human-readable name
 * @param source         the source plugin that handles this entry, e.g. {@code hf_gguf}
 * @param repoId         the repository at the source, e.g. {@code bartowski/Llama-3.2-1B-Instruct-GGUF}
 * @param revision       branch, tag or commit at the source; {@code main} when the entry names none
 * @param artifacts      the files the operator listed; may be empty when the source can choose
 * @param requiredVramMb the memory the operator expects the model to need on a GPU, 0 when unknown
 * @param tags           free-form labels
 */
public record ModelSpec(String id, String name, String source, String repoId, String revision,
                        List<ArtifactSpec> artifacts, long requiredVramMb, List<String> tags) {

    /** The revision used when an entry names none. */
    public static final String DEFAULT_REVISION = "main";

    public ModelSpec {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(source, "source");
        name = name == null || name.isBlank() ? id : name;
        repoId = repoId == null ? "" : repoId;
        revision = revision == null || revision.isBlank() ? DEFAULT_REVISION : revision;
        artifacts = artifacts == null ? List.of() : List.copyOf(artifacts);
        tags = tags == null ? List.of() : List.copyOf(tags);
    }
}
