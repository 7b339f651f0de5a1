package dev.llmlb.source.hf;

import dev.llmlb.api.ModelSpec;

import java.util.ArrayList;
import java.util.List;

/**
 * What every HuggingFace source checks of a model entry, as {@link dev.llmlb.api.source.ModelSource#validate}
 * messages naming the field.
 */
public final class SpecChecks {

    /** The longest revision accepted; git ref names and commit ids are far shorter. */
    public static final int MAX_REVISION_LENGTH = 256;

    private SpecChecks() {
    }

    /**
     * Problems with {@code repo_id} and {@code revision}; empty when there are none. Artifact paths need no check
     * here: an {@link dev.llmlb.api.ArtifactSpec} cannot hold an unsafe one.
     */
    public static List<String> problems(ModelSpec spec) {
        List<String> problems = new ArrayList<>();
        for (String problem : RepoId.problems(spec.repoId())) {
            problems.add("repo_id: " + problem);
        }
        String revision = spec.revision();
        if (revision.length() > MAX_REVISION_LENGTH) {
            problems.add("revision: longer than " + MAX_REVISION_LENGTH + " characters");
        } else if (revision.chars().anyMatch(c -> Character.isISOControl(c) || Character.isWhitespace(c))) {
            problems.add("revision: '" + RepoId.printable(revision) + "' contains whitespace or control characters");
        }
        return problems;
    }
}
