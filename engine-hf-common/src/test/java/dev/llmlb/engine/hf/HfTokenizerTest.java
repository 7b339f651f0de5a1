package dev.llmlb.engine.hf;

import dev.llmlb.api.engine.EngineException;
import dev.llmlb.testkit.models.GgufWriter;
import dev.llmlb.testkit.models.TinyVocabulary;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HfTokenizerTest {

    private static HfTokenizer tokenizer;

    @BeforeAll
    static void load() {
        tokenizer = HfTokenizer.load(TinyRepo.folder());
    }

    @AfterAll
    static void close() {
        tokenizer.close();
    }

    private static int[] expected(String text) {
        List<Integer> ids = new ArrayList<>(List.of(TinyVocabulary.BOS));
        ids.addAll(TinyVocabulary.get().encode(text));
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    @Test
    void theGeneratedTokenizerJsonTokenizesExactlyLikeTheGgufVocabulary() {
        for (String text : List.of("hello", "The quick brown fox", "  two  spaces ", "the thing in the end",
                "there is a string in it", "line one\nline two\n", "tabs\tand\r\nreturns", "héllo 日本 🙂",
                "{\"json\": [1, 2.5e-3]}", "")) {
            assertArrayEquals(expected(text), tokenizer.encode(text), text);
        }
    }

    @Test
    void mergesAreUsedNotJustCharacters() {
        int[] ids = tokenizer.encode(" the", false);
        assertEquals(1, ids.length, Arrays.toString(ids));
        assertEquals("\u2581the", TinyVocabulary.get().token(ids[0]));
    }

    @Test
    void decodingRestoresTheTextIncludingByteFallbackCharacters() {
        for (String text : List.of("héllo 日本 🙂", "a b  c\n", "the end")) {
            assertEquals(text, tokenizer.decode(tokenizer.encode(text)), "special tokens are left out");
        }
    }

    @Test
    void specialTokensComeFromTokenizerConfig() {
        assertArrayEquals(new int[] {TinyVocabulary.BOS}, tokenizer.specialPrefix());
        assertEquals("<s>", tokenizer.bosToken().orElseThrow());
        assertEquals("</s>", tokenizer.eosToken().orElseThrow());
        assertEquals(TinyVocabulary.EOS, tokenizer.tokenId("</s>").orElseThrow());
        assertTrue(tokenizer.tokenId("hello").isEmpty(), "several tokens are not one id");
        assertEquals(GgufWriter.CHAT_TEMPLATE, tokenizer.chatTemplate().orElseThrow());
    }

    @Test
    void specialTokensAsObjectsAndNamedTemplatesAreUnderstood(@TempDir Path dir) throws Exception {
        Path folder = TinyRepo.withTokenizerConfig(dir.resolve("m"), """
                {"bos_token": {"content": "<s>", "lstrip": false}, "eos_token": {"content": "</s>"},
                 "chat_template": [{"name": "tool_use", "template": "tools"}, {"name": "default", "template": "chat"}]}
                """);
        try (HfTokenizer t = HfTokenizer.load(folder)) {
            assertEquals("<s>", t.bosToken().orElseThrow());
            assertEquals("</s>", t.eosToken().orElseThrow());
            assertEquals("chat", t.chatTemplate().orElseThrow());
        }
    }

    @Test
    void aChatTemplateFileIsUsedWhenTheConfigHasNone(@TempDir Path dir) throws Exception {
        Path folder = TinyRepo.withTokenizerConfig(dir.resolve("m"), "{}");
        Files.writeString(folder.resolve("chat_template.jinja"), "{{ messages[0]['content'] }}");
        try (HfTokenizer t = HfTokenizer.load(folder)) {
            assertEquals("{{ messages[0]['content'] }}", t.chatTemplate().orElseThrow());
            assertTrue(t.bosToken().isEmpty());
        }
    }

    @Test
    void aFolderWithoutTokenizerJsonIsRefusedByName(@TempDir Path dir) {
        EngineException e = assertThrows(EngineException.class, () -> HfTokenizer.load(dir));
        assertTrue(e.getMessage().contains("tokenizer.json"), e.getMessage());
    }

    @Test
    void longInputsAreNotTruncated() {
        String text = "word ".repeat(2000);
        assertEquals(expected(text).length, tokenizer.encode(text).length);
        assertTrue(tokenizer.encode(text).length > 5000);
    }
}
