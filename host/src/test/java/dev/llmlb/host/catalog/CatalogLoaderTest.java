package dev.llmlb.host.catalog;

import dev.llmlb.api.ModelSpec;
import dev.llmlb.host.config.ConfigException;
import dev.llmlb.host.json.Json;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CatalogLoaderTest {

    private static final String QUICKSTART = """
            {
              "models": [
                {
                  "id": "llama-3.2-1b",
                  "name": "Llama 3.2 1B",
                  "source": "hf_gguf",
                  "repo_id": "bartowski/Llama-3.2-1B-Instruct-GGUF",
                  "artifacts": [
                    {
                      "filename": "Llama-3.2-1B-Instruct-Q4_K_M.gguf",
                      "size_bytes": 876000000
                    }
                  ],
                  "required_vram_mb": 2048,
                  "tags": ["chat", "instruct"]
                }
              ]
            }
            """;

    private final CatalogLoader loader = new CatalogLoader(Json.mapper(), spec -> List.of());

    private List<String> problems(String json) {
        return assertThrows(ConfigException.class, () -> loader.parse("supported_models.json", json)).problems();
    }

    private static String entry(String fields) {
        return "{\"models\":[{" + fields + "}]}";
    }

    @Test
    void readsTheQuickstartEntry() {
        Catalog catalog = loader.parse("supported_models.json", QUICKSTART);
        ModelSpec spec = catalog.find("llama-3.2-1b").orElseThrow();
        assertEquals("hf_gguf", spec.source());
        assertEquals("bartowski/Llama-3.2-1B-Instruct-GGUF", spec.repoId());
        assertEquals("main", spec.revision());
        assertEquals(876000000L, spec.artifacts().get(0).sizeBytes());
        assertEquals(2048, spec.requiredVramMb());
        assertEquals(List.of("chat", "instruct"), spec.tags());
    }

    @Test
    void badJsonNamesFileLineAndColumn() {
        List<String> problems = problems("{\"models\": [\n  {\"id\": \"x\",,}\n]}");
        assertEquals(1, problems.size());
        assertTrue(problems.get(0).startsWith("supported_models.json: invalid JSON at line 2, column"),
                problems.get(0));
    }

    @Test
    void theTopLevelShapeIsChecked() {
        assertTrue(problems("[]").get(0).contains("must be an object with a \"models\" array"));
    }

    @Test
    void missingFieldsAreNamedWithTheirEntry() {
        List<String> problems = problems(entry("\"name\":\"x\""));
        assertTrue(problems.contains("supported_models.json: models[0]: id: is required"), problems.toString());
        assertTrue(problems.contains("supported_models.json: models[0]: source: is required"), problems.toString());
    }

    @Test
    void sourceMustLookLikeASourceName() {
        List<String> problems = problems(entry("\"id\":\"m\",\"source\":{\"kind\":\"hf\"}"));
        assertEquals(List.of("supported_models.json: models[0] (id \"m\"): source: must be a string"), problems);
        problems = problems(entry("\"id\":\"m\",\"source\":\"HF GGUF!\""));
        assertTrue(problems.get(0).contains("source: must be a source name such as hf_gguf"), problems.toString());
    }

    @Test
    void idsOutsideTheAllowedShapeAreRefused() {
        for (String id : List.of("../etc", "a/b", "", "x".repeat(129), "spaces here", "..")) {
            List<String> problems = problems(entry("\"id\":\"" + id + "\",\"source\":\"hf_gguf\""));
            assertTrue(problems.get(0).contains("id: must") , id + " -> " + problems);
        }
        loader.parse("f", entry("\"id\":\"" + "x".repeat(128) + "\",\"source\":\"hf_gguf\""));
        loader.parse("f", entry("\"id\":\"Qwen2.5-0.5B_instruct\",\"source\":\"hf_gguf\""));
    }

    @Test
    void duplicateIdsNameBothEntries() {
        List<String> problems = problems("{\"models\":[{\"id\":\"a\",\"source\":\"hf_gguf\"},"
                + "{\"id\":\"a\",\"source\":\"hf_onnx\"}]}");
        assertEquals(List.of("supported_models.json: models[1] (id \"a\"): id: duplicate of models[0]"), problems);
    }

    @Test
    void artifactFileNamesCannotEscapeTheModelFolder() {
        for (String name : List.of("/etc/passwd", "../x.gguf", "a/../../x", "a\\\\b.gguf", "a//b", "./x")) {
            List<String> problems = problems(entry("\"id\":\"m\",\"source\":\"hf_gguf\",\"artifacts\":[{\"filename\":\""
                    + name + "\",\"size_bytes\":1}]"));
            assertTrue(problems.get(0).startsWith("supported_models.json: models[0] (id \"m\"): artifacts[0].filename:"),
                    name + " -> " + problems);
        }
    }

    @Test
    void sizesMustBePositiveIntegers() {
        for (String size : List.of("0", "-5", "1.5", "\"10\"")) {
            List<String> problems = problems(entry("\"id\":\"m\",\"source\":\"hf_gguf\",\"artifacts\":[{\"filename\":"
                    + "\"a.gguf\",\"size_bytes\":" + size + "}]"));
            assertEquals(List.of("supported_models.json: models[0] (id \"m\"): artifacts[0].size_bytes: must be a "
                    + "positive integer, got " + size), problems);
        }
        assertTrue(problems(entry("\"id\":\"m\",\"source\":\"hf_gguf\",\"artifacts\":[{\"filename\":\"a\"}]"))
                .get(0).endsWith("artifacts[0].size_bytes: is required"));
    }

    @Test
    void everyProblemOfTheFileIsListed() {
        List<String> problems = problems("{\"models\":[{\"id\":\"ok\",\"source\":\"hf_gguf\",\"required_vram_mb\":-1},"
                + "{\"source\":\"hf_gguf\"},{\"id\":\"b\",\"source\":\"hf_gguf\",\"tags\":[1],"
                + "\"artifacts\":[{\"filename\":\"x\",\"size_bytes\":1,\"sha256\":\"nothex\"}]}]}");
        assertEquals(4, problems.size(), problems.toString());
        assertTrue(problems.get(0).contains("models[0] (id \"ok\"): required_vram_mb"));
        assertTrue(problems.get(1).contains("models[1]: id: is required"));
        assertTrue(problems.stream().anyMatch(p -> p.contains("models[2] (id \"b\"): tags[0]: must be a string")));
        assertTrue(problems.stream().anyMatch(p -> p.contains("artifacts[0].sha256: must be 64 hex digits")));
    }

    @Test
    void sourcePluginsAddTheirOwnChecks() {
        CatalogLoader withSource = new CatalogLoader(Json.mapper(), spec -> spec.repoId().contains("/")
                ? List.of() : List.of("repo_id: must be owner/name"));
        List<String> problems = assertThrows(ConfigException.class, () -> withSource.parse("f.json",
                entry("\"id\":\"m\",\"source\":\"hf_gguf\",\"repo_id\":\"noslash\""))).problems();
        assertEquals(List.of("f.json: models[0] (id \"m\"): repo_id: must be owner/name"), problems);
    }

    @Test
    void optionalFieldsHaveDefaults() {
        ModelSpec spec = loader.parse("f", entry("\"id\":\"m\",\"source\":\"hf_onnx\",\"repo_id\":\"a/b\""))
                .find("m").orElseThrow();
        assertEquals("m", spec.name());
        assertEquals(List.of(), spec.artifacts());
        assertEquals(0, spec.requiredVramMb());
        assertEquals(Optional.empty(), loader.parse("f", entry("\"id\":\"m\",\"source\":\"hf_onnx\""))
                .find("other"));
    }
}
