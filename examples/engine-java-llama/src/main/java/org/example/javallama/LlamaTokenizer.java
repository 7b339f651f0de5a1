package org.example.javallama;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * The SentencePiece tokenizer of a llama GGUF ({@code tokenizer.ggml.model = "llama"}): spaces become {@code ▁},
 * the text starts as one symbol per character, neighbouring symbols merge while their concatenation is a piece of the
 * vocabulary (the highest-scored pair first, the leftmost on a tie), and a character the vocabulary lacks falls back
 * to its UTF-8 bytes as {@code <0xXX>} tokens. Control tokens written in the text (such as {@code </s>}) are read as
 * themselves.
 */
final class LlamaTokenizer {

    private static final String SPACE = "\u2581";
    private static final int TYPE_NORMAL = 1;
    private static final int TYPE_CONTROL = 3;
    private static final int TYPE_USER_DEFINED = 4;
    private static final int TYPE_BYTE = 6;

    private final List<String> pieces;
    private final float[] scores;
    private final int[] types;
    private final Map<String, Integer> ids = new HashMap<>();
    private final int[] byteTokens = new int[256];
    private final List<Integer> specialTokens = new ArrayList<>();
    private final int bos;
    private final int eos;
    private final int unknown;
    private final boolean addBos;
    private final boolean addSpacePrefix;

    LlamaTokenizer(GgufFile gguf) throws IOException {
        String model = gguf.string("tokenizer.ggml.model", "none");
        if (!model.equals("llama")) {
            throw new IOException("tokenizer " + model + " is not supported (java_llama reads SentencePiece, "
                    + "\"llama\")");
        }
        pieces = gguf.list("tokenizer.ggml.tokens").stream().map(Object::toString).toList();
        if (pieces.isEmpty()) {
            throw new IOException("the model has no vocabulary (tokenizer.ggml.tokens)");
        }
        List<?> scoreList = gguf.list("tokenizer.ggml.scores");
        List<?> typeList = gguf.list("tokenizer.ggml.token_type");
        scores = new float[pieces.size()];
        types = new int[pieces.size()];
        for (int id = 0; id < pieces.size(); id++) {
            scores[id] = id < scoreList.size() ? ((Number) scoreList.get(id)).floatValue() : 0f;
            types[id] = id < typeList.size() ? ((Number) typeList.get(id)).intValue() : TYPE_NORMAL;
            ids.putIfAbsent(pieces.get(id), id);
            if (types[id] == TYPE_CONTROL || types[id] == TYPE_USER_DEFINED) {
                specialTokens.add(id);
            }
        }
        // Longest first, so that one special token that starts another does not cut it short.
        specialTokens.sort((a, b) -> Integer.compare(pieces.get(b).length(), pieces.get(a).length()));
        bos = (int) gguf.integer("tokenizer.ggml.bos_token_id", 1);
        eos = (int) gguf.integer("tokenizer.ggml.eos_token_id", 2);
        unknown = (int) gguf.integer("tokenizer.ggml.unknown_token_id", 0);
        addBos = gguf.flag("tokenizer.ggml.add_bos_token", true);
        addSpacePrefix = gguf.flag("tokenizer.ggml.add_space_prefix", true);
        for (int b = 0; b < 256; b++) {
            byteTokens[b] = ids.getOrDefault(String.format(Locale.ROOT, "<0x%02X>", b), unknown);
        }
    }

    int eos() {
        return eos;
    }

    int vocabularySize() {
        return pieces.size();
    }

    /** The tokens of {@code text}, after BOS when the model asks for it. */
    List<Integer> encode(String text) {
        List<Integer> out = new ArrayList<>();
        if (addBos) {
            out.add(bos);
        }
        int start = 0;
        boolean first = true;
        while (start <= text.length()) {
            int next = text.length();
            int special = -1;
            for (int id : specialTokens) {
                int at = text.indexOf(pieces.get(id), start);
                if (at >= 0 && at < next && !pieces.get(id).isEmpty()) {
                    next = at;
                    special = id;
                }
            }
            if (next > start) {
                encodePlain(text.substring(start, next), first && addSpacePrefix, out);
            }
            first = false;
            if (special < 0) {
                break;
            }
            out.add(special);
            start = next + pieces.get(special).length();
        }
        return out;
    }

    /** A candidate merge of the symbols at {@code left} and {@code right}, as it was when it was queued. */
    private record Pair(int left, int right, float score, String text) {
    }

    private void encodePlain(String text, boolean spacePrefix, List<Integer> out) {
        String escaped = (spacePrefix ? " " + text : text).replace(" ", SPACE);
        List<String> symbols = new ArrayList<>();
        escaped.codePoints().forEach(cp -> symbols.add(new String(Character.toChars(cp))));
        int n = symbols.size();
        String[] symbol = symbols.toArray(String[]::new);
        int[] previous = new int[n];
        int[] nextOf = new int[n];
        for (int i = 0; i < n; i++) {
            previous[i] = i - 1;
            nextOf[i] = i + 1 < n ? i + 1 : -1;
        }
        PriorityQueue<Pair> queue = new PriorityQueue<>((a, b) -> a.score() != b.score()
                ? Float.compare(b.score(), a.score()) : Integer.compare(a.left(), b.left()));
        for (int i = 0; i + 1 < n; i++) {
            offer(queue, symbol, i, i + 1);
        }
        while (!queue.isEmpty()) {
            Pair pair = queue.poll();
            // Skip pairs that an earlier merge changed: either side merged into something else since.
            if (symbol[pair.left()] == null || symbol[pair.right()] == null
                    || nextOf[pair.left()] != pair.right()
                    || !(symbol[pair.left()] + symbol[pair.right()]).equals(pair.text())) {
                continue;
            }
            symbol[pair.left()] = pair.text();
            symbol[pair.right()] = null;
            nextOf[pair.left()] = nextOf[pair.right()];
            if (nextOf[pair.left()] >= 0) {
                previous[nextOf[pair.left()]] = pair.left();
                offer(queue, symbol, pair.left(), nextOf[pair.left()]);
            }
            if (previous[pair.left()] >= 0) {
                offer(queue, symbol, previous[pair.left()], pair.left());
            }
        }
        for (int i = 0; i >= 0 && i < n; i = nextOf[i]) {
            Integer id = ids.get(symbol[i]);
            if (id != null && types[id] != TYPE_BYTE) {
                out.add(id);
            } else {
                for (byte b : symbol[i].getBytes(StandardCharsets.UTF_8)) {
                    out.add(byteTokens[b & 0xFF]);
                }
            }
        }
    }

    private void offer(PriorityQueue<Pair> queue, String[] symbol, int left, int right) {
        String merged = symbol[left] + symbol[right];
        Integer id = ids.get(merged);
        if (id != null && types[id] == TYPE_NORMAL) {
            queue.add(new Pair(left, right, scores[id], merged));
        }
    }

    /**
     * The bytes a token stands for: text for normal and user-defined pieces, the byte for byte tokens, nothing for
     * control and unknown tokens.
     */
    byte[] bytes(int token) {
        if (token < 0 || token >= pieces.size()) {
            return new byte[0];
        }
        return switch (types[token]) {
            case TYPE_BYTE -> new byte[] {(byte) Integer.parseInt(pieces.get(token).substring(3, 5), 16)};
            case TYPE_NORMAL, TYPE_USER_DEFINED -> pieces.get(token).replace(SPACE, " ")
                    .getBytes(StandardCharsets.UTF_8);
            default -> new byte[0];
        };
    }

    /** Text from generated tokens as they come: a character split over several byte tokens waits for its end. */
    final class Detokenizer {
        private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

        String next(int token) {
            pending.writeBytes(bytes(token));
            byte[] all = pending.toByteArray();
            int complete = completeLength(all);
            pending.reset();
            pending.write(all, complete, all.length - complete);
            return new String(all, 0, complete, StandardCharsets.UTF_8);
        }
    }

    /** How many leading bytes form whole UTF-8 characters (a trailing incomplete one is left out). */
    static int completeLength(byte[] bytes) {
        int n = bytes.length;
        for (int back = 1; back <= Math.min(3, n); back++) {
            int b = bytes[n - back] & 0xFF;
            if ((b & 0xC0) == 0x80) {
                continue; // a continuation byte: look further back for its lead
            }
            int length = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
            return length > back ? n - back : n;
        }
        return n;
    }
}
