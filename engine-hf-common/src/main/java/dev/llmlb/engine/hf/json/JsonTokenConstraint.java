package dev.llmlb.engine.hf.json;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmlb.api.engine.InvalidInputException;
import dev.llmlb.api.engine.JsonConstraint;
import dev.llmlb.engine.hf.Vocabulary;

import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Holds one generation to a JSON Schema, token by token: before each choice {@link #mask} leaves only the tokens whose
 * text keeps the output a prefix of a valid value (the end-of-sequence tokens once the value is complete), and
 * {@link #accept} moves on with the token chosen. It changes only its own sequence's logits, so batching stays exact.
 * Not thread-safe: one per generation.
 */
public final class JsonTokenConstraint {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Token masks remembered per matcher state: inside a long string the state repeats at every step. */
    private static final int CACHED_MASKS = 64;

    private final TokenTrie trie;
    private final Vocabulary vocabulary;
    private final Set<Integer> eosTokenIds;
    private Set<JsonMatcher.State> states;
    private final Map<Set<JsonMatcher.State>, BitSet> masks = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Set<JsonMatcher.State>, BitSet> eldest) {
            return size() > CACHED_MASKS;
        }
    };

    private JsonTokenConstraint(Schema schema, TokenTrie trie, Vocabulary vocabulary, Set<Integer> eosTokenIds) {
        this.trie = trie;
        this.vocabulary = vocabulary;
        this.eosTokenIds = Set.copyOf(eosTokenIds);
        this.states = JsonMatcher.start(schema);
    }

    /**
     * A constraint for one generation.
     *
     * @throws InvalidInputException naming {@link JsonConstraint#param()} when the schema is not JSON or uses
     *                               something outside the supported subset
     */
    public static JsonTokenConstraint of(JsonConstraint constraint, TokenTrie trie, Vocabulary vocabulary,
                                         Set<Integer> eosTokenIds) {
        Schema schema;
        try {
            schema = Schema.compile(JSON.readTree(constraint.schema()));
        } catch (JsonProcessingException e) {
            throw new InvalidInputException(constraint.param(), "Invalid '" + constraint.param() + "': the schema is "
                    + "not JSON.");
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(constraint.param(), "invalid_schema", "The schema at '"
                    + constraint.param() + "' is not supported: " + e.getMessage() + ".");
        }
        return new JsonTokenConstraint(schema, trie, vocabulary, eosTokenIds);
    }

    /** Sets the logit of every token the schema does not allow now to negative infinity. */
    public void mask(float[] logits) {
        BitSet allowed = allowed();
        for (int id = 0; id < logits.length; id++) {
            if (!allowed.get(id)) {
                logits[id] = Float.NEGATIVE_INFINITY;
            }
        }
    }

    /** The tokens allowed now. */
    BitSet allowed() {
        BitSet allowed = masks.get(states);
        if (allowed == null) {
            allowed = new BitSet(trie.vocabularySize());
            walk(trie.root(), states, allowed);
            if (JsonMatcher.complete(states) || allowed.isEmpty()) {
                // Complete: the model may end here. Nothing allowed cannot happen with a vocabulary that spells
                // every character, but then ending is the only way out.
                eosTokenIds.forEach(allowed::set);
            }
            masks.put(states, allowed);
        }
        return allowed;
    }

    private static void walk(TokenTrie.Node node, Set<JsonMatcher.State> states, BitSet allowed) {
        for (int token : node.tokens) {
            allowed.set(token);
        }
        for (int i = 0; i < node.chars.length; i++) {
            Set<JsonMatcher.State> next = JsonMatcher.step(states, node.chars[i]);
            if (!next.isEmpty()) {
                walk(node.children[i], next, allowed);
            }
        }
    }

    /** Moves on with the token chosen (an end-of-sequence token changes nothing). */
    public void accept(int token) {
        if (eosTokenIds.contains(token)) {
            return;
        }
        String text = vocabulary.text(token);
        Set<JsonMatcher.State> next = states;
        for (int i = 0; i < text.length() && !next.isEmpty(); i++) {
            next = JsonMatcher.step(next, text.charAt(i));
        }
        if (next.isEmpty()) {
            throw new IllegalStateException("token " + token + " (" + text + ") breaks the JSON constraint");
        }
        states = next;
    }

    /** Whether the output so far is a complete value. */
    public boolean complete() {
        return JsonMatcher.complete(states);
    }
}
