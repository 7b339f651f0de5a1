package dev.llmlb.engine.hf;

import dev.llmlb.api.engine.ChatMessage;
import dev.llmlb.api.engine.Prompt;
import dev.llmlb.testkit.models.TinyVocabulary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class HfModelFolderTest {

    private static final Prompt CHAT = new Prompt.Chat(List.of(new ChatMessage("user", "Hi!")));

    private static int[] bosPlus(String text) {
        List<Integer> ids = new ArrayList<>(List.of(TinyVocabulary.BOS));
        ids.addAll(TinyVocabulary.get().encode(text));
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    @Test
    void rawTextGetsBosAndChatGetsTheTemplate() {
        try (HfModelFolder folder = HfModelFolder.open(TinyRepo.folder())) {
            assertArrayEquals(bosPlus("Once upon a time"), folder.promptTokens(new Prompt.Text("Once upon a time")));
            String rendered = "<|im_start|>user\nHi!<|im_end|>\n<|im_start|>assistant\n";
            assertEquals(rendered, folder.render(CHAT));
            assertArrayEquals(bosPlus(rendered), folder.promptTokens(CHAT));
            assertEquals(Set.of(TinyVocabulary.EOS), folder.eosTokenIds());
        }
    }

    @Test
    void aTemplateThatWritesBosItselfDoesNotGiveTheModelTwo(@TempDir Path dir) throws Exception {
        Path repo = TinyRepo.withTokenizerConfig(dir.resolve("m"), """
                {"bos_token": "<s>", "eos_token": "</s>",
                 "chat_template": "{{ bos_token }}{% for m in messages %}[{{ m.content }}]{% endfor %}"}
                """);
        try (HfModelFolder folder = HfModelFolder.open(repo)) {
            assertEquals("[Hi!]", folder.render(CHAT));
            assertArrayEquals(bosPlus("[Hi!]"), folder.promptTokens(CHAT));
        }
    }

    @Test
    void aModelWithoutTemplateGetsChatMl(@TempDir Path dir) throws Exception {
        Path repo = TinyRepo.withTokenizerConfig(dir.resolve("m"), "{\"eos_token\": \"</s>\"}");
        try (HfModelFolder folder = HfModelFolder.open(repo)) {
            assertEquals(ChatTemplate.CHATML, folder.chatTemplate().source());
            assertEquals("<|im_start|>user\nHi!<|im_end|>\n<|im_start|>assistant\n", folder.render(CHAT));
        }
    }
}
