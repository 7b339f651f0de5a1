package dev.llmlb.engine.hf.json;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmlb.api.engine.InvalidInputException;
import dev.llmlb.api.engine.JsonConstraint;
import dev.llmlb.api.engine.SamplingParams;
import dev.llmlb.engine.hf.Sampler;
import dev.llmlb.engine.hf.Vocabulary;
import dev.llmlb.testkit.tck.SchemaCheck;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.OptionalLong;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A "model" of random logits held to a schema by the constraint must write JSON the schema accepts, every time: the
 * guarantee the engines give with random-weight models.
 */
class JsonTokenConstraintTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int EOS = 2;
    /** Single characters, then pieces that cross JSON's structure the way real tokens do. */
    private static final List<String> PIECES = List.of("{\"", "\":", "\",", "\"}", "\": \"", "}}", "]}", "[\"",
            "true", "null", "fal", "se", "12", "0.", "e-", ", ", ": ", "name", "nam", "age", "\\u00", "\\n", "{}",
            "[]", "\"\"", " \"", "1}", "\"]", "tags", "kind", "red", "green", "é", "日本");
    private static final Vocabulary VOCABULARY = vocabulary();
    private static final TokenTrie TRIE = TokenTrie.of(VOCABULARY);

    private static Vocabulary vocabulary() {
        ObjectNode root = JSON.createObjectNode();
        var added = root.putArray("added_tokens");
        String[] special = {"<unk>", "<s>", "</s>"};
        for (int id = 0; id < special.length; id++) {
            added.addObject().put("id", id).put("content", special[id]).put("special", true);
        }
        ObjectNode vocab = root.putObject("model").put("type", "BPE").putObject("vocab");
        int id = 3;
        for (int b = 0; b < 256; b++) {
            vocab.put(String.format("<0x%02X>", b), id++);
        }
        for (char c = 0x20; c < 0x7F; c++) {
            vocab.put(c == ' ' ? "\u2581" : String.valueOf(c), id++);
        }
        for (String piece : PIECES) {
            vocab.put(piece.replace(' ', '\u2581'), id++);
        }
        return Vocabulary.of(root);
    }

    /** Samples with random logits under the constraint until end of sequence; the text, or null at the limit. */
    private static String generate(String schema, long seed, int limit) {
        JsonTokenConstraint constraint = JsonTokenConstraint.of(new JsonConstraint(schema, "response_format"), TRIE,
                VOCABULARY, Set.of(EOS));
        Sampler sampler = new Sampler(new SamplingParams(1.0, 1.0, OptionalLong.of(seed), 0, 0), constraint, -1);
        Random random = new Random(seed);
        var bytes = new java.io.ByteArrayOutputStream();
        for (int step = 0; step < limit; step++) {
            float[] logits = new float[VOCABULARY.size()];
            for (int i = 0; i < logits.length; i++) {
                logits[i] = (float) (random.nextGaussian() * 2);
            }
            int token = sampler.next(logits);
            if (token == EOS) {
                assertTrue(constraint.complete(), "ended before the value was complete: " + bytes);
                return bytes.toString(java.nio.charset.StandardCharsets.UTF_8);
            }
            bytes.writeBytes(VOCABULARY.bytes(token));
        }
        return null;
    }

    private static void assertAlwaysValid(String schema) throws Exception {
        int complete = 0;
        for (long seed = 0; seed < 60; seed++) {
            String text = generate(schema, seed, 3000);
            if (text == null) {
                continue;
            }
            complete++;
            // Refuses anything that is not one complete JSON value, then checks it against the schema.
            assertEquals(List.of(), SchemaCheck.problems(schema, text), text);
        }
        assertTrue(complete >= 50, "only " + complete + " of 60 generations completed");
    }

    @Test
    void anObjectWithRequiredAndOptionalPropertiesOfEveryType() throws Exception {
        assertAlwaysValid("""
                {"type": "object", "properties": {
                  "name": {"type": "string", "description": "who"},
                  "age": {"type": "integer"},
                  "score": {"type": "number"},
                  "active": {"type": "boolean"},
                  "nothing": {"type": "null"},
                  "kind": {"enum": ["red", "green", 3, null]},
                  "tags": {"type": "array", "items": {"type": "string"}},
                  "nested": {"type": "object", "properties": {"x": {"type": ["integer", "null"]}},
                             "required": ["x"], "additionalProperties": false},
                  "either": {"anyOf": [{"type": "string"}, {"type": "object", "properties": {"a": {"const": 1}},
                             "required": ["a"]}]}
                }, "required": ["name", "age", "kind", "nested"], "additionalProperties": false}
                """);
    }

    @Test
    void jsonObjectModeWritesSomeObject() throws Exception {
        assertAlwaysValid("{\"type\": \"object\"}");
    }

    @Test
    void anArrayOfCallsWithAtLeastOne() throws Exception {
        assertAlwaysValid("""
                {"type": "array", "minItems": 1, "items": {"anyOf": [
                  {"type": "object", "properties": {"name": {"const": "get_weather"}, "arguments": {"type": "object",
                    "properties": {"city": {"type": "string"}}, "required": ["city"]}}, "required": ["name", "arguments"]},
                  {"type": "object", "properties": {"name": {"const": "get_time"}, "arguments": {"type": "object",
                    "properties": {}}}, "required": ["name", "arguments"]}]}}
                """);
    }

    @Test
    void aCompleteValueAllowsOnlyTheEndOfSequence() {
        JsonTokenConstraint constraint = JsonTokenConstraint.of(new JsonConstraint("{\"const\": true}", "p"), TRIE,
                VOCABULARY, Set.of(EOS));
        assertEquals(Set.of("true", "t"), allowedTexts(constraint));
        idOf("true").ifPresent(constraint::accept);
        assertTrue(constraint.complete());
        assertEquals(List.of(EOS), constraint.allowed().stream().boxed().toList());
    }

    @Test
    void aKeyIsOneOfTheSchemasInOrderAndNoOther() {
        JsonTokenConstraint constraint = JsonTokenConstraint.of(new JsonConstraint("""
                {"type": "object", "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
                 "required": ["age"]}""", "p"), TRIE, VOCABULARY, Set.of(EOS));
        idOf("{\"").ifPresent(constraint::accept);
        // "name" is optional and comes first; "age" may start at once. Nothing else.
        assertEquals(Set.of("n", "a", "name", "nam", "age"), allowedTexts(constraint));
    }

    @Test
    void aSchemaOutsideTheSubsetIsRefusedNamingItsParameter() {
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> JsonTokenConstraint.of(
                new JsonConstraint("{\"type\": \"string\", \"pattern\": \"a+\"}", "response_format.json_schema"),
                TRIE, VOCABULARY, Set.of(EOS)));
        assertEquals("response_format.json_schema", e.param());
        assertTrue(e.getMessage().contains("pattern"), e.getMessage());
    }

    private static Set<String> allowedTexts(JsonTokenConstraint constraint) {
        return constraint.allowed().stream().mapToObj(VOCABULARY::text).collect(java.util.stream.Collectors.toSet());
    }

    @SuppressWarnings("checkstyle:MethodName")
    private static java.util.OptionalInt idOf(String text) {
        for (int id = 0; id < VOCABULARY.size(); id++) {
            if (!VOCABULARY.special(id) && VOCABULARY.text(id).equals(text)) {
                return java.util.OptionalInt.of(id);
            }
        }
        return java.util.OptionalInt.empty();
    }
}
