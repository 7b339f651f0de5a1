package dev.llmlb.source.hf;

import dev.llmlb.api.ArtifactSpec;
import dev.llmlb.api.ModelSpec;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SpecChecksTest {

    private static ModelSpec spec(String repoId, String revision, List<ArtifactSpec> artifacts) {
        return new ModelSpec("m", null, "hf_test", repoId, revision, artifacts, 0, List.of());
    }

    @Test
    void acceptsAValidEntry() {
        assertEquals(List.of(), SpecChecks.problems(spec("bartowski/Llama-3.2-1B-Instruct-GGUF", "main",
                List.of(new ArtifactSpec("Llama-3.2-1B-Instruct-Q4_K_M.gguf", 876000000)))));
    }

    @Test
    void namesTheFieldOfEachProblem() {
        List<String> problems = SpecChecks.problems(spec("not a repo", "has space",
                List.of(new ArtifactSpec("ok.gguf", 1))));

        assertEquals(List.of(
                "repo_id: must be owner/name, got 'not a repo'",
                "revision: 'has space' contains whitespace or control characters"), problems);
    }

    @Test
    void reportsAMissingRepoId() {
        assertEquals(List.of("repo_id: must be owner/name, got nothing"), SpecChecks.problems(spec(null, null,
                List.of())));
    }
}
