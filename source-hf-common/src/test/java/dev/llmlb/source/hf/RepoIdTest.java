package dev.llmlb.source.hf;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RepoIdTest {

    @ParameterizedTest
    @ValueSource(strings = {"bartowski/Llama-3.2-1B-Instruct-GGUF", "Qwen/Qwen2.5-0.5B-Instruct", "a/b",
            "onnx-community/Qwen2.5-0.5B-Instruct", "user_1/model.v2_final"})
    void acceptsRealRepositoryIds(String text) {
        assertTrue(RepoId.problems(text).isEmpty(), () -> RepoId.problems(text).toString());
        assertEquals(text, RepoId.parse(text).toString());
    }

    @Test
    void splitsOwnerAndName() {
        RepoId id = RepoId.parse("Qwen/Qwen2.5-0.5B");
        assertEquals("Qwen", id.owner());
        assertEquals("Qwen2.5-0.5B", id.name());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "llama-3.2-1b|must be owner/name, got 'llama-3.2-1b'",
            "a/b/c|must be owner/name, got 'a/b/c'",
            "/name|the owner part is empty",
            "owner/|the name part is empty",
            "own er/name|the owner 'own er' may contain only letters, digits, '.', '_' and '-'",
            "owner/na%2Fme|the name 'na%2Fme' may contain only letters, digits, '.', '_' and '-'",
            "owner/a..b|the name 'a..b' must not contain '..' or '--'",
            "owner/a--b|the name 'a--b' must not contain '..' or '--'",
            "-owner/name|the owner '-owner' must start and end with a letter, digit or '_'",
            "owner/name.|the name 'name.' must start and end with a letter, digit or '_'",
            "owner/name.git|the name 'name.git' must not end with '.git'",
    })
    void explainsWhatIsWrong(String text, String expected) {
        assertEquals(java.util.List.of(expected), RepoId.problems(text));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RepoId.parse(text));
        assertEquals(expected, e.getMessage());
    }

    @Test
    void refusesADotDotNameForEveryReasonItBreaks() {
        assertEquals(java.util.List.of("the name '..' must not contain '..' or '--'",
                "the name '..' must start and end with a letter, digit or '_'"), RepoId.problems("owner/.."));
    }

    @Test
    void refusesAnEmptyId() {
        assertEquals(java.util.List.of("must be owner/name, got nothing"), RepoId.problems(""));
        assertEquals(java.util.List.of("must be owner/name, got nothing"), RepoId.problems(null));
    }

    @Test
    void limitsEachPartToTheHubsLength() {
        String longest = "a".repeat(RepoId.MAX_PART_LENGTH);
        assertTrue(RepoId.problems(longest + "/" + longest).isEmpty());
        assertEquals(java.util.List.of("the name '" + longest + "a' is longer than 96 characters"),
                RepoId.problems("owner/" + longest + "a"));
    }

    @Test
    void showsControlCharactersEscapedInMessages() {
        String problem = RepoId.problems("owner/na\nme").get(0);
        assertTrue(problem.contains("na\\u000ame"), problem);
    }
}
