package dev.llmlb.engine.llamacpp;

import de.kherud.llama.LlamaModel;
import dev.llmlb.api.engine.ChatMessage;
import dev.llmlb.api.engine.InvalidInputException;
import dev.llmlb.api.engine.Prompt;
import dev.llmlb.engine.hf.ChatTemplate;

import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Turns a prompt into the exact token ids llama.cpp will evaluate.
 *
 * <p>Chat messages are formatted by llama.cpp's built-in formatter for the family it recognises in the model's
 * {@code tokenizer.chat_template} (ChatML, Llama 2/3, Mistral, Gemma, Phi, DeepSeek and some thirty more); a model
 * without a template, or with one llama.cpp does not recognise, gets ChatML. llama.cpp's Jinja renderer
 * ({@code --jinja}) is not used: in java-llama.cpp 4.2.0 an error raised while rendering (a template's
 * {@code raise_exception}, e.g. "roles must alternate") is not caught in the native code and aborts the JVM. The
 * messages travel through {@link TemplateText}, which carries what java-llama.cpp's template call would damage.
 *
 * <p>The text (formatted chat, or a completion prompt as is) is tokenized with special-token parsing, as
 * llama.cpp's server does, and a BOS token is put first when the model asks for one and the text does not already
 * start with it (templates that write the BOS themselves would otherwise get two).
 *
 * <p>Text with an unpaired UTF-16 surrogate (JSON allows {@code "\ud800"}) is refused with
 * {@link InvalidInputException}: java-llama.cpp would silently send a {@code ?} in its place.
 *
 * <p>A chat with tools, tool calls or tool answers is rendered with the model's own Jinja template instead (Jinjava,
 * as engine-hf-common renders it), since llama.cpp's built-in formatters leave tools out. Such templates see
 * {@code bos_token} and {@code eos_token} as empty strings (the GGUF reader keeps no token texts); the BOS is added
 * as above.
 */
final class PromptTokens {

    private final LlamaModel llama;
    private final boolean addBos;
    private final OptionalInt bosId;

    private final Optional<ChatTemplate> template;

    PromptTokens(LlamaModel llama, boolean addBos, OptionalInt bosId, Optional<String> chatTemplate) {
        this.llama = llama;
        this.addBos = addBos && bosId.isPresent();
        this.bosId = bosId;
        this.template = chatTemplate.map(t -> ChatTemplate.of(t, Optional.empty(), Optional.empty()));
    }

    /** The text the prompt becomes: a chat rendered with the model's template, or the completion text. */
    String text(Prompt prompt) {
        return switch (prompt) {
            case Prompt.Chat chat when template.isPresent() && usesTools(chat) -> {
                checkedChat(chat.messages());
                yield template.get().render(chat.messages(), chat.tools(), true);
            }
            case Prompt.Chat chat -> chat(chat.messages());
            case Prompt.Text text -> checked(text.text(), "prompt");
        };
    }

    private static boolean usesTools(Prompt.Chat chat) {
        return !chat.tools().isEmpty() || chat.messages().stream()
                .anyMatch(m -> !m.toolCalls().isEmpty() || m.role().equals("tool"));
    }

    private static void checkedChat(List<ChatMessage> messages) {
        for (ChatMessage m : messages) {
            checked(m.role(), "messages");
            checked(m.content(), "messages");
        }
    }

    private String chat(List<ChatMessage> messages) {
        checkedChat(messages);
        TemplateText carried = TemplateText.of(messages);
        return carried.restore(llama.applyTemplate(LlamaRequests.chat(carried.messages())));
    }

    int[] tokens(Prompt prompt) {
        return encode(text(prompt));
    }

    /** The tokens of {@code text}, refused as the request field {@code param} when it is not valid text. */
    int[] tokens(String text, String param) {
        return encode(checked(text, param));
    }

    private int[] encode(String text) {
        int[] ids = llama.encode(text);
        if (addBos && (ids.length == 0 || ids[0] != bosId.getAsInt())) {
            int[] withBos = new int[ids.length + 1];
            withBos[0] = bosId.getAsInt();
            System.arraycopy(ids, 0, withBos, 1, ids.length);
            return withBos;
        }
        return ids;
    }

    /** {@code text}, unless it holds an unpaired surrogate. */
    static String checked(String text, String param) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new InvalidInputException(param, String.format("The %s holds an unpaired UTF-16 surrogate "
                        + "(\\u%04X at character %d), which is not text. Send valid Unicode.", param, (int) c, i));
            }
        }
        return text;
    }
}
