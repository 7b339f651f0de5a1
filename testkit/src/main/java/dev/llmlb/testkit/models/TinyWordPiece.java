package dev.llmlb.testkit.models;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The vocabulary of every generated encoder, a BERT-style WordPiece one, written as the {@code tokenizer.json} of an
 * uncased BERT ({@code BertNormalizer}, {@code BertPreTokenizer}, {@code WordPiece}, {@code [CLS] ... [SEP]}), with a
 * plain-Java tokenizer that gives the same ids, so the encoders can be checked from text to vector.
 *
 * <p>Ids: {@code [PAD]} 0, {@code [UNK]} 1, {@code [CLS]} 2, {@code [SEP]} 3, {@code [MASK]} 4, then the printable
 * ASCII characters but upper-case letters, their {@code ##} continuations for letters and digits, and a few whole words.
 */
public final class TinyWordPiece {

    public static final int PAD = 0;
    public static final int UNK = 1;
    public static final int CLS = 2;
    public static final int SEP = 3;
    public static final int MASK = 4;

    private static final String[] SPECIAL = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};
    private static final String[] WORDS = {"the", "hello", "world", "cat", "dog", "sat", "on", "mat", "is", "in",
        "model", "##s", "##ed", "##ing", "##er", "##ly", "##llo", "##at"};
    private static final int MAX_CHARS_PER_WORD = 100;

    private static final TinyWordPiece INSTANCE = new TinyWordPiece();

    private final Map<String, Integer> ids = new LinkedHashMap<>();

    private TinyWordPiece() {
        for (String s : SPECIAL) {
            add(s);
        }
        for (char c = 0x21; c <= 0x7E; c++) {
            if (!Character.isUpperCase(c)) {
                add(String.valueOf(c));
            }
        }
        for (char c = 'a'; c <= 'z'; c++) {
            add("##" + c);
        }
        for (char c = '0'; c <= '9'; c++) {
            add("##" + c);
        }
        for (String w : WORDS) {
            add(w);
        }
    }

    private void add(String token) {
        ids.putIfAbsent(token, ids.size());
    }

    public static TinyWordPiece get() {
        return INSTANCE;
    }

    public int size() {
        return ids.size();
    }

    /**
     * The ids BERT's tokenizer gives {@code text}: lower-cased with accents stripped, split on whitespace,
     * punctuation and CJK ideographs, each word matched longest piece first (a word with a piece not in the
     * vocabulary becomes {@code [UNK]}), between {@code [CLS]} and {@code [SEP]}.
     */
    public List<Integer> encode(String text) {
        List<Integer> out = new ArrayList<>();
        out.add(CLS);
        for (String word : words(normalize(text))) {
            out.addAll(wordPieces(word));
        }
        out.add(SEP);
        return out;
    }

    private static String normalize(String text) {
        StringBuilder clean = new StringBuilder();
        text.codePoints().forEach(cp -> {
            if (cp == 0 || cp == 0xFFFD || (Character.isISOControl(cp) && !Character.isWhitespace(cp))) {
                return;
            }
            clean.appendCodePoint(Character.isWhitespace(cp) ? ' ' : cp);
        });
        String lower = clean.toString().toLowerCase(Locale.ROOT);
        String decomposed = Normalizer.normalize(lower, Normalizer.Form.NFD);
        StringBuilder stripped = new StringBuilder();
        decomposed.codePoints().filter(cp -> Character.getType(cp) != Character.NON_SPACING_MARK)
                .forEach(stripped::appendCodePoint);
        return stripped.toString();
    }

    private static List<String> words(String text) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        text.codePoints().forEach(cp -> {
            if (Character.isWhitespace(cp) || isPunctuation(cp) || isCjk(cp)) {
                if (!word.isEmpty()) {
                    words.add(word.toString());
                    word.setLength(0);
                }
                if (!Character.isWhitespace(cp)) {
                    words.add(new String(Character.toChars(cp)));
                }
            } else {
                word.appendCodePoint(cp);
            }
        });
        if (!word.isEmpty()) {
            words.add(word.toString());
        }
        return words;
    }

    /** CJK ideographs, which BERT's normalizer surrounds with spaces. */
    private static boolean isCjk(int cp) {
        return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x20000 && cp <= 0x2A6DF)
                || (cp >= 0x2A700 && cp <= 0x2CEAF) || (cp >= 0xF900 && cp <= 0xFAFF)
                || (cp >= 0x2F800 && cp <= 0x2FA1F);
    }

    /** BERT's punctuation: the ASCII symbols and every Unicode punctuation category. */
    private static boolean isPunctuation(int cp) {
        if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) {
            return true;
        }
        int type = Character.getType(cp);
        return type == Character.CONNECTOR_PUNCTUATION || type == Character.DASH_PUNCTUATION
                || type == Character.START_PUNCTUATION || type == Character.END_PUNCTUATION
                || type == Character.INITIAL_QUOTE_PUNCTUATION || type == Character.FINAL_QUOTE_PUNCTUATION
                || type == Character.OTHER_PUNCTUATION;
    }

    private List<Integer> wordPieces(String word) {
        if (word.codePointCount(0, word.length()) > MAX_CHARS_PER_WORD) {
            return List.of(UNK);
        }
        List<Integer> pieces = new ArrayList<>();
        int start = 0;
        while (start < word.length()) {
            int end = word.length();
            Integer found = null;
            while (start < end) {
                String piece = (start > 0 ? "##" : "") + word.substring(start, end);
                found = ids.get(piece);
                if (found != null) {
                    break;
                }
                end = word.offsetByCodePoints(end, -1);
            }
            if (found == null) {
                return List.of(UNK);
            }
            pieces.add(found);
            start = end;
        }
        return pieces;
    }

    /** The {@code tokenizer.json} of this vocabulary, as an uncased BERT has it. */
    public String tokenizerJson() {
        StringBuilder json = new StringBuilder("{\n  \"version\": \"1.0\",\n  \"truncation\": null,\n"
                + "  \"padding\": null,\n  \"added_tokens\": [\n");
        for (int id = 0; id < SPECIAL.length; id++) {
            json.append("    {\"id\": ").append(id).append(", \"content\": ")
                    .append(SafetensorsWriter.quote(SPECIAL[id]))
                    .append(", \"single_word\": false, \"lstrip\": false, \"rstrip\": false, \"normalized\": false, "
                            + "\"special\": true}").append(id + 1 < SPECIAL.length ? ",\n" : "\n");
        }
        json.append("  ],\n");
        json.append("  \"normalizer\": {\"type\": \"BertNormalizer\", \"clean_text\": true, "
                + "\"handle_chinese_chars\": true, \"strip_accents\": null, \"lowercase\": true},\n");
        json.append("  \"pre_tokenizer\": {\"type\": \"BertPreTokenizer\"},\n");
        json.append("  \"post_processor\": {\"type\": \"TemplateProcessing\", "
                + "\"single\": [{\"SpecialToken\": {\"id\": \"[CLS]\", \"type_id\": 0}}, "
                + "{\"Sequence\": {\"id\": \"A\", \"type_id\": 0}}, "
                + "{\"SpecialToken\": {\"id\": \"[SEP]\", \"type_id\": 0}}], "
                + "\"pair\": [{\"SpecialToken\": {\"id\": \"[CLS]\", \"type_id\": 0}}, "
                + "{\"Sequence\": {\"id\": \"A\", \"type_id\": 0}}, {\"SpecialToken\": {\"id\": \"[SEP]\", \"type_id\": 0}}, "
                + "{\"Sequence\": {\"id\": \"B\", \"type_id\": 1}}, {\"SpecialToken\": {\"id\": \"[SEP]\", \"type_id\": 1}}], "
                + "\"special_tokens\": {\"[CLS]\": {\"id\": \"[CLS]\", \"ids\": [" + CLS + "], \"tokens\": [\"[CLS]\"]}, "
                + "\"[SEP]\": {\"id\": \"[SEP]\", \"ids\": [" + SEP + "], \"tokens\": [\"[SEP]\"]}}},\n");
        json.append("  \"decoder\": {\"type\": \"WordPiece\", \"prefix\": \"##\", \"cleanup\": true},\n");
        json.append("  \"model\": {\"type\": \"WordPiece\", \"unk_token\": \"[UNK]\", \"continuing_subword_prefix\": \"##\", "
                + "\"max_input_chars_per_word\": " + MAX_CHARS_PER_WORD + ",\n    \"vocab\": {");
        int n = 0;
        for (Map.Entry<String, Integer> e : ids.entrySet()) {
            json.append(n++ == 0 ? "" : ", ").append(SafetensorsWriter.quote(e.getKey())).append(": ").append(e.getValue());
        }
        return json.append("}\n  }\n}\n").toString();
    }

    /** {@code vocab.txt}: one token per line, in id order. */
    public String vocabTxt() {
        return String.join("\n", ids.keySet()) + "\n";
    }
}
