package dev.llmlb.host.catalog;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmlb.api.ArtifactSpec;
import dev.llmlb.api.ModelSpec;
import dev.llmlb.api.source.SafePath;
import dev.llmlb.host.config.ConfigException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Reads and validates {@code supported_models.json}. Every problem is reported with the file, the entry and the
 * field, and all of them at once.
 */
public final class CatalogLoader {

    private static final Pattern SOURCE = Pattern.compile("[a-z][a-z0-9_]{0,63}");
    private static final Pattern SHA256 = Pattern.compile("[0-9a-fA-F]{64}");

    private final ObjectMapper json;
    private final Function<ModelSpec, List<String>> sourceChecks;

    /**
     * @param sourceChecks the checks of the entry's source plugin, when one is installed (empty list otherwise)
     */
    public CatalogLoader(ObjectMapper json, Function<ModelSpec, List<String>> sourceChecks) {
        this.json = json;
        this.sourceChecks = sourceChecks;
    }

    /**
     * @throws ConfigException listing every problem of the file
     */
    public Catalog load(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException(List.of(file + ": not found; list the models this node may serve there"));
        } catch (IOException e) {
            throw new ConfigException(List.of(file + ": cannot read: " + e.getMessage()));
        }
        return parse(file.toString(), text);
    }

    Catalog parse(String fileName, String text) {
        JsonNode root;
        try {
            root = json.readTree(text);
        } catch (JsonProcessingException e) {
            var at = e.getLocation();
            String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
            throw new ConfigException(List.of(fileName + ": invalid JSON" + where + ": " + e.getOriginalMessage()));
        }
        List<String> problems = new ArrayList<>();
        if (root == null || !root.isObject() || !root.path("models").isArray()) {
            throw new ConfigException(List.of(fileName + ": must be an object with a \"models\" array"));
        }
        List<ModelSpec> models = new ArrayList<>();
        Map<String, Integer> firstIndexOfId = new HashMap<>();
        JsonNode entries = root.get("models");
        for (int i = 0; i < entries.size(); i++) {
            Entry entry = new Entry(fileName, i, entries.get(i), problems);
            Optional<ModelSpec> spec = entry.read();
            if (spec.isEmpty()) {
                continue;
            }
            Integer earlier = firstIndexOfId.putIfAbsent(spec.get().id(), i);
            if (earlier != null) {
                entry.problem("id", "duplicate of models[" + earlier + "]");
                continue;
            }
            for (String problem : sourceChecks.apply(spec.get())) {
                entry.problem(null, problem);
            }
            models.add(spec.get());
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return new Catalog(models);
    }

    /** One entry being read; records its problems with their place. */
    private static final class Entry {
        private final String fileName;
        private final int index;
        private final JsonNode node;
        private final List<String> problems;
        private final int problemsBefore;
        private String id;

        Entry(String fileName, int index, JsonNode node, List<String> problems) {
            this.fileName = fileName;
            this.index = index;
            this.node = node;
            this.problems = problems;
            this.problemsBefore = problems.size();
        }

        Optional<ModelSpec> read() {
            if (node == null || !node.isObject()) {
                problem(null, "must be an object");
                return Optional.empty();
            }
            id = text("id", true);
            if (id != null && !ModelIds.isValid(id)) {
                problem("id", SafePath.modelIdProblem(id).orElse("is invalid") + ", got \""
                        + SafePath.printable(id) + "\"");
            }
            String name = text("name", false);
            String source = text("source", true);
            if (source != null && !SOURCE.matcher(source).matches()) {
                problem("source", "must be a source name such as hf_gguf, hf_safetensors or hf_onnx, got \""
                        + source + "\"");
            }
            String repoId = text("repo_id", false);
            String revision = text("revision", false);
            long vram = 0;
            JsonNode vramNode = node.get("required_vram_mb");
            if (vramNode != null && !vramNode.isNull()) {
                if (!vramNode.canConvertToLong() || !vramNode.isIntegralNumber() || vramNode.asLong() < 0) {
                    problem("required_vram_mb", "must be a non-negative integer");
                } else {
                    vram = vramNode.asLong();
                }
            }
            List<String> tags = tags();
            List<ArtifactSpec> artifacts = artifacts();
            if (problems.size() > problemsBefore) {
                return Optional.empty();
            }
            return Optional.of(new ModelSpec(id, name, source, repoId, revision, artifacts, vram, tags));
        }

        private List<String> tags() {
            JsonNode tags = node.get("tags");
            List<String> result = new ArrayList<>();
            if (tags == null || tags.isNull()) {
                return result;
            }
            if (!tags.isArray()) {
                problem("tags", "must be an array of strings");
                return result;
            }
            for (int t = 0; t < tags.size(); t++) {
                if (!tags.get(t).isTextual()) {
                    problem("tags[" + t + "]", "must be a string");
                } else {
                    result.add(tags.get(t).asText());
                }
            }
            return result;
        }

        private List<ArtifactSpec> artifacts() {
            JsonNode list = node.get("artifacts");
            List<ArtifactSpec> result = new ArrayList<>();
            if (list == null || list.isNull()) {
                return result;
            }
            if (!list.isArray()) {
                problem("artifacts", "must be an array");
                return result;
            }
            Map<String, Integer> seen = new HashMap<>();
            for (int a = 0; a < list.size(); a++) {
                String field = "artifacts[" + a + "]";
                JsonNode artifact = list.get(a);
                if (!artifact.isObject()) {
                    problem(field, "must be an object");
                    continue;
                }
                JsonNode filename = artifact.get("filename");
                JsonNode size = artifact.get("size_bytes");
                JsonNode sha = artifact.get("sha256");
                boolean ok = true;
                if (filename == null || !filename.isTextual()) {
                    problem(field + ".filename", filename == null ? "is required" : "must be a string");
                    ok = false;
                } else if (SafePath.problem(filename.asText()).isPresent()) {
                    problem(field + ".filename", SafePath.problem(filename.asText()).get() + ", got \""
                            + SafePath.printable(filename.asText()) + "\"");
                    ok = false;
                } else if (seen.putIfAbsent(filename.asText(), a) != null) {
                    problem(field + ".filename", "duplicate of artifacts[" + seen.get(filename.asText()) + "]");
                    ok = false;
                }
                if (size == null || size.isNull()) {
                    problem(field + ".size_bytes", "is required");
                    ok = false;
                } else if (!size.isIntegralNumber() || !size.canConvertToLong() || size.asLong() <= 0) {
                    problem(field + ".size_bytes", "must be a positive integer, got " + size);
                    ok = false;
                }
                Optional<String> sha256 = Optional.empty();
                if (sha != null && !sha.isNull()) {
                    if (!sha.isTextual() || !SHA256.matcher(sha.asText()).matches()) {
                        problem(field + ".sha256", "must be 64 hex digits");
                        ok = false;
                    } else {
                        sha256 = Optional.of(sha.asText().toLowerCase(Locale.ROOT));
                    }
                }
                if (ok) {
                    result.add(new ArtifactSpec(filename.asText(), size.asLong(), sha256));
                }
            }
            return result;
        }

        private String text(String field, boolean required) {
            JsonNode value = node.get(field);
            if (value == null || value.isNull()) {
                if (required) {
                    problem(field, "is required");
                }
                return null;
            }
            if (!value.isTextual()) {
                problem(field, "must be a string");
                return null;
            }
            if (required && value.asText().isBlank()) {
                problem(field, "must not be empty");
                return null;
            }
            return value.asText();
        }

        void problem(String field, String message) {
            String where = fileName + ": models[" + index + "]" + (id != null ? " (id \"" + id + "\")" : "");
            problems.add(where + ": " + (field == null ? "" : field + ": ") + message);
        }
    }
}
