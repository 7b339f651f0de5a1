package dev.llmlb.engine.hf.json;

import dev.llmlb.engine.hf.Vocabulary;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The text of every token that writes text, as a trie of characters: walking it with a {@link JsonMatcher} finds every
 * token the constraint allows in one pass, sharing the work of tokens with a common prefix. One per model; immutable.
 */
public final class TokenTrie {

    /** One node: the tokens whose text ends here, and the characters that go on. */
    static final class Node {
        final int[] tokens;
        final char[] chars;
        final Node[] children;

        Node(int[] tokens, char[] chars, Node[] children) {
            this.tokens = tokens;
            this.chars = chars;
            this.children = children;
        }
    }

    private final Node root;
    private final int vocabularySize;

    private TokenTrie(Node root, int vocabularySize) {
        this.root = root;
        this.vocabularySize = vocabularySize;
    }

    /** The trie of a vocabulary's tokens; special tokens and tokens without text are left out. */
    public static TokenTrie of(Vocabulary vocabulary) {
        Building root = new Building();
        for (int id = 0; id < vocabulary.size(); id++) {
            String text = vocabulary.text(id);
            if (vocabulary.special(id) || text.isEmpty()) {
                continue;
            }
            Building node = root;
            for (int i = 0; i < text.length(); i++) {
                node = node.children.computeIfAbsent(text.charAt(i), c -> new Building());
            }
            node.tokens.add(id);
        }
        return new TokenTrie(root.freeze(), vocabulary.size());
    }

    Node root() {
        return root;
    }

    int vocabularySize() {
        return vocabularySize;
    }

    private static final class Building {
        final Map<Character, Building> children = new TreeMap<>();
        final List<Integer> tokens = new ArrayList<>();

        Node freeze() {
            char[] chars = new char[children.size()];
            Node[] nodes = new Node[children.size()];
            int i = 0;
            for (var entry : children.entrySet()) {
                chars[i] = entry.getKey();
                nodes[i++] = entry.getValue().freeze();
            }
            return new Node(tokens.stream().mapToInt(Integer::intValue).toArray(), chars, nodes);
        }
    }
}
