package dev.llmlb.engine.hf;

import dev.llmlb.testkit.models.TinyVocabulary;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IncrementalDetokenizerTest {

    private static HfTokenizer tokenizer;

    @BeforeAll
    static void load() {
        tokenizer = HfTokenizer.load(TinyRepo.folder());
    }

    @AfterAll
    static void close() {
        tokenizer.close();
    }

    private static List<String> pieces(String text) {
        IncrementalDetokenizer detokenizer = new IncrementalDetokenizer(tokenizer::decode);
        List<String> out = new ArrayList<>();
        for (int id : tokenizer.encode(text, false)) {
            out.add(detokenizer.next(id));
        }
        return out;
    }

    @Test
    void piecesJoinIntoTheTextWithSpacesKept() {
        String text = "the quick  brown fox\nsays hi";
        List<String> pieces = pieces(text);
        assertEquals(text, String.join("", pieces));
        assertEquals(TinyVocabulary.get().encode(text).size(), pieces.size(), "one piece per token");
        assertTrue(pieces.stream().noneMatch(String::isEmpty), "ASCII never waits: " + pieces);
    }

    @Test
    void aMultiByteCharacterComesOutWithItsLastByteAndNothingBefore() {
        // é is 2 bytes, 日 3, 🙂 4: each byte is a fallback token.
        List<String> pieces = pieces("é日🙂");
        assertEquals(List.of("", "é", "", "", "日", "", "", "", "🙂"), pieces);
    }

    @Test
    void textMixingPiecesAndBytesIsExact() {
        String text = "héllo 日本 🙂 done";
        assertEquals(text, String.join("", pieces(text)));
    }

    @Test
    void specialTokensAddNothing() {
        IncrementalDetokenizer detokenizer = new IncrementalDetokenizer(tokenizer::decode);
        assertEquals("", detokenizer.next(TinyVocabulary.BOS));
        assertEquals("a", detokenizer.next(tokenizer.encode("a", false)[0]));
    }

    @Test
    void aDecoderThatStripsTheLeadingSpaceOfASequenceDoesNotEatSpacesInTheMiddle() {
        // Like SentencePiece decoders: "▁word" decodes to "word" at the start of a sequence, " word" elsewhere.
        Map<Integer, String> pieces = Map.of(1, "▁Hello", 2, "▁world", 3, "!");
        IncrementalDetokenizer detokenizer = new IncrementalDetokenizer(ids -> {
            StringBuilder out = new StringBuilder();
            for (int id : ids) {
                out.append(pieces.get(id).replace('▁', ' '));
            }
            return out.toString().stripLeading();
        });
        assertEquals("Hello", detokenizer.next(1));
        assertEquals(" world", detokenizer.next(2));
        assertEquals("!", detokenizer.next(3));
    }
}
