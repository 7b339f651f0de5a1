package dev.llmlb.engine.hf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmlb.api.engine.EngineException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * What each token of a {@code tokenizer.json} writes: its exact bytes, read from the vocabulary the way the
 * tokenizer's decoder turns pieces into text (GPT-2's byte-level alphabet, or SentencePiece's {@code ▁} for a space
 * and {@code <0xNN>} byte-fallback pieces). Special tokens write nothing. For the log probabilities' {@code bytes}
 * and the JSON constraint's token texts. Immutable.
 */
public final class Vocabulary {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final byte[][] bytes;
    private final String[] texts;
    private final boolean[] special;

    private Vocabulary(byte[][] bytes, boolean[] special) {
        this.bytes = bytes;
        this.special = special;
        this.texts = new String[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            texts[i] = bytes[i] == null ? "" : new String(bytes[i], StandardCharsets.UTF_8);
        }
    }

    /** Reads the vocabulary of {@code tokenizer.json}. */
    public static Vocabulary read(Path tokenizerJson) {
        JsonNode root;
        try {
            root = JSON.readTree(tokenizerJson.toFile());
        } catch (IOException e) {
            throw new EngineException("cannot read tokenizer.json: " + e.getMessage(), e);
        }
        return of(root);
    }

    /** The vocabulary of a parsed {@code tokenizer.json}. */
    public static Vocabulary of(JsonNode root) {
        Map<Integer, String> pieces = new HashMap<>();
        JsonNode vocab = root.path("model").path("vocab");
        if (vocab.isObject()) {
            vocab.fields().forEachRemaining(e -> pieces.put(e.getValue().asInt(), e.getKey()));
        } else if (vocab.isArray()) {
            for (int id = 0; id < vocab.size(); id++) {
                pieces.put(id, vocab.get(id).path(0).asText());
            }
        }
        Map<Integer, Boolean> added = new HashMap<>();
        Map<Integer, String> addedText = new HashMap<>();
        for (JsonNode token : root.path("added_tokens")) {
            int id = token.path("id").asInt();
            added.put(id, token.path("special").asBoolean(false));
            addedText.put(id, token.path("content").asText());
        }
        int size = 0;
        for (int id : pieces.keySet()) {
            size = Math.max(size, id + 1);
        }
        for (int id : added.keySet()) {
            size = Math.max(size, id + 1);
        }
        boolean byteLevel = root.path("decoder").toString().contains("\"ByteLevel\"");
        int[] byteOf = byteLevel ? byteLevelDecoding() : null;
        byte[][] bytes = new byte[size][];
        boolean[] special = new boolean[size];
        for (int id = 0; id < size; id++) {
            if (added.containsKey(id)) {
                special[id] = added.get(id);
                bytes[id] = special[id] ? new byte[0] : addedText.get(id).getBytes(StandardCharsets.UTF_8);
            } else if (pieces.containsKey(id)) {
                bytes[id] = byteLevel ? fromByteLevel(pieces.get(id), byteOf) : fromSentencePiece(pieces.get(id));
            } else {
                bytes[id] = new byte[0];
                special[id] = true;
            }
        }
        return new Vocabulary(bytes, special);
    }

    private static byte[] fromSentencePiece(String piece) {
        if (piece.length() == 6 && piece.startsWith("<0x") && piece.endsWith(">")) {
            try {
                return new byte[] {(byte) Integer.parseInt(piece.substring(3, 5), 16)};
            } catch (NumberFormatException e) {
                // an ordinary piece that looks like one
            }
        }
        return piece.replace('\u2581', ' ').getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] fromByteLevel(String piece, int[] byteOf) {
        byte[] out = new byte[piece.length() * 3];
        int n = 0;
        for (int i = 0; i < piece.length(); i++) {
            char c = piece.charAt(i);
            int b = c < byteOf.length ? byteOf[c] : -1;
            if (b >= 0) {
                out[n++] = (byte) b;
            } else {
                byte[] utf8 = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                System.arraycopy(utf8, 0, out, n, utf8.length);
                n += utf8.length;
            }
        }
        return Arrays.copyOf(out, n);
    }

    /** GPT-2's {@code bytes_to_unicode}, inverted: the byte each alphabet character stands for, else -1. */
    private static int[] byteLevelDecoding() {
        int[] byteOf = new int[512];
        Arrays.fill(byteOf, -1);
        int extra = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            int c = printable ? b : 256 + extra++;
            byteOf[c] = b;
        }
        return byteOf;
    }

    /** Token ids from 0 to {@code size() - 1}. */
    public int size() {
        return bytes.length;
    }

    /** The bytes token {@code id} writes; empty for a special token or an id outside the vocabulary. */
    public byte[] bytes(int id) {
        return id >= 0 && id < bytes.length ? bytes[id].clone() : new byte[0];
    }

    /**
     * The text token {@code id} writes, with U+FFFD for bytes that are only part of a character (the rest comes with
     * later tokens); empty for a special token.
     */
    public String text(int id) {
        return id >= 0 && id < texts.length ? texts[id] : "";
    }

    /** Whether the token is a control token that writes no text (BOS, EOS, chat markers). */
    public boolean special(int id) {
        return id < 0 || id >= special.length || special[id];
    }
}
