package dev.llmlb.testkit.models;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * The one vocabulary every generated model uses, written as a llama.cpp SentencePiece vocabulary in GGUF and as an
 * equivalent HuggingFace BPE {@code tokenizer.json}: {@code <unk>}, {@code <s>}, {@code </s>}, the 256 byte tokens
 * {@code <0x00>}..{@code <0xFF>} for byte fallback, the printable ASCII characters with {@code ▁} (U+2581) for the
 * space, and a few merged pieces. Merged pieces are scored so that SentencePiece's highest-score-first merging
 * and BPE's lowest-rank-first merging make the same tokens.
 */
public final class TinyVocabulary {

    public static final int UNK = 0;
    public static final int BOS = 1;
    public static final int EOS = 2;
    public static final String SPACE = "\u2581";

    /** llama.cpp token types. */
    public static final int TYPE_NORMAL = 1;
    public static final int TYPE_UNKNOWN = 2;
    public static final int TYPE_CONTROL = 3;
    public static final int TYPE_BYTE = 6;

    /** Merges in priority order, each of two pieces already in the vocabulary. */
    private static final String[][] MERGES = {
        {SPACE, "t"}, {"h", "e"}, {"i", "n"}, {"e", "r"}, {"a", "n"}, {SPACE, "a"}, {"r", "e"}, {"o", "n"},
        {SPACE + "t", "he"}, {"a", "t"}, {"e", "n"}, {"n", "d"}, {"e", "s"}, {"o", "r"}, {SPACE, "w"}, {"l", "l"},
        {"o", "u"}, {"i", "t"}, {"i", "s"}, {SPACE, "s"}, {"in", "g"}, {"e", "d"}, {SPACE, "o"}, {"a", "r"},
    };

    private static final TinyVocabulary INSTANCE = new TinyVocabulary();

    private final List<String> tokens = new ArrayList<>();
    private final List<Float> scores = new ArrayList<>();
    private final List<Integer> types = new ArrayList<>();
    private final Map<String, Integer> ids = new HashMap<>();
    private final List<String[]> merges = new ArrayList<>();

    private TinyVocabulary() {
        add("<unk>", 0f, TYPE_UNKNOWN);
        add("<s>", 0f, TYPE_CONTROL);
        add("</s>", 0f, TYPE_CONTROL);
        for (int b = 0; b < 256; b++) {
            add(String.format("<0x%02X>", b), 0f, TYPE_BYTE);
        }
        add(SPACE, 0f, TYPE_NORMAL);
        for (char c = 0x21; c <= 0x7E; c++) {
            add(String.valueOf(c), 0f, TYPE_NORMAL);
        }
        for (int rank = 0; rank < MERGES.length; rank++) {
            String[] merge = MERGES[rank];
            if (!ids.containsKey(merge[0]) || !ids.containsKey(merge[1])) {
                throw new IllegalStateException("merge of unknown pieces: " + merge[0] + " " + merge[1]);
            }
            add(merge[0] + merge[1], -1f - rank, TYPE_NORMAL);
            merges.add(merge);
        }
    }

    private void add(String token, float score, int type) {
        ids.put(token, tokens.size());
        tokens.add(token);
        scores.add(score);
        types.add(type);
    }

    public static TinyVocabulary get() {
        return INSTANCE;
    }

    public int size() {
        return tokens.size();
    }

    public List<String> tokens() {
        return List.copyOf(tokens);
    }

    public List<Float> scores() {
        return List.copyOf(scores);
    }

    public List<Integer> types() {
        return List.copyOf(types);
    }

    /** BPE merges as {@code "left right"}, in priority order. */
    public List<String> merges() {
        return merges.stream().map(m -> m[0] + " " + m[1]).toList();
    }

    public String token(int id) {
        return tokens.get(id);
    }

    /** The id of the byte token for {@code b}. */
    public static int byteToken(int b) {
        return 3 + (b & 0xFF);
    }

    /**
     * Tokenizes like llama.cpp's SentencePiece tokenizer with this vocabulary and no space prefix: spaces become
     * {@code ▁}, characters merge highest score first (leftmost on ties), and characters not in the vocabulary
     * fall back to their UTF-8 bytes. No BOS is added.
     */
    public List<Integer> encode(String text) {
        String escaped = text.replace(" ", SPACE);
        List<String> symbols = new ArrayList<>();
        escaped.codePoints().forEach(cp -> symbols.add(new String(Character.toChars(cp))));
        mergeBySpmScore(symbols);
        List<Integer> out = new ArrayList<>();
        for (String symbol : symbols) {
            Integer id = ids.get(symbol);
            if (id != null) {
                out.add(id);
            } else {
                for (byte b : symbol.getBytes(StandardCharsets.UTF_8)) {
                    out.add(byteToken(b));
                }
            }
        }
        return out;
    }

    private record Bigram(int left, float score, String text) {
    }

    private void mergeBySpmScore(List<String> symbols) {
        while (true) {
            PriorityQueue<Bigram> queue = new PriorityQueue<>((a, b) -> a.score() != b.score()
                    ? Float.compare(b.score(), a.score()) : Integer.compare(a.left(), b.left()));
            for (int i = 0; i + 1 < symbols.size(); i++) {
                String merged = symbols.get(i) + symbols.get(i + 1);
                Integer id = ids.get(merged);
                if (id != null && types.get(id) == TYPE_NORMAL) {
                    queue.add(new Bigram(i, scores.get(id), merged));
                }
            }
            Bigram best = queue.poll();
            if (best == null) {
                return;
            }
            symbols.set(best.left(), best.text());
            symbols.remove(best.left() + 1);
        }
    }

    /** The text of a sequence of tokens, bytes reassembled; control tokens are dropped. */
    public String decode(List<Integer> ids) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int id : ids) {
            int type = types.get(id);
            if (type == TYPE_BYTE) {
                bytes.write(id - 3);
            } else if (type == TYPE_NORMAL) {
                bytes.writeBytes(tokens.get(id).replace(SPACE, " ").getBytes(StandardCharsets.UTF_8));
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
