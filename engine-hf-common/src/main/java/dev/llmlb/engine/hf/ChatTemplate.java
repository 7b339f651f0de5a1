package dev.llmlb.engine.hf;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import dev.llmlb.api.engine.ChatMessage;
import dev.llmlb.api.engine.EngineException;
import dev.llmlb.engine.hf.internal.TemplateFunctions;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A model's Jinja chat template, rendered with Jinjava the way transformers' {@code apply_chat_template} renders it:
 * {@code trim_blocks} and {@code lstrip_blocks} on; the variables {@code messages} (each with {@code role} and
 * {@code content}), {@code add_generation_prompt}, {@code bos_token} and {@code eos_token}; the functions
 * {@code raise_exception} and {@code strftime_now}. Python string methods and {@code namespace()} are not available
 * in Jinjava; templates that need them fail with a clear message. Immutable and thread-safe.
 */
public final class ChatTemplate {

    /** The fallback for models without a chat template: ChatML, as engine-llamacpp uses. */
    public static final String CHATML = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + "
            + "message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}"
            + "{{ '<|im_start|>assistant\\n' }}{% endif %}";

    private final String source;
    private final Map<String, Object> specialTokens;
    private final Jinjava jinjava;

    private ChatTemplate(String source, Map<String, Object> specialTokens) {
        this.source = Objects.requireNonNull(source, "source");
        this.specialTokens = specialTokens;
        JinjavaConfig config = JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                .withFailOnUnknownTokens(false)
                .withMaxOutputSize(16L << 20)
                .withLegacyOverrides(LegacyOverrides.newBuilder()
                        .withUseNaturalOperatorPrecedence(true)
                        .withParseWhitespaceControlStrictly(true)
                        .withUseTrimmingForNotesAndExpressions(true)
                        .withKeepNullableLoopValues(true)
                        .build())
                .build();
        // Jinjava's expression engine loads its classes through the context class loader.
        this.jinjava = DjlRuntime.withPluginClassLoader(() -> new Jinjava(config));
        try {
            jinjava.getGlobalContext().registerFunction(new ELFunctionDefinition("", "raise_exception",
                    TemplateFunctions.class, "raiseException", String.class));
            jinjava.getGlobalContext().registerFunction(new ELFunctionDefinition("", "strftime_now",
                    TemplateFunctions.class, "strftimeNow", String.class));
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot register the chat template functions", e);
        }
    }

    /**
     * A template with the special tokens it may write.
     *
     * @param source   the Jinja source
     * @param bosToken the text of {@code bos_token}, when the model has one
     * @param eosToken the text of {@code eos_token}, when the model has one
     */
    public static ChatTemplate of(String source, Optional<String> bosToken, Optional<String> eosToken) {
        Map<String, Object> tokens = new HashMap<>();
        tokens.put("bos_token", bosToken.orElse(""));
        tokens.put("eos_token", eosToken.orElse(""));
        return new ChatTemplate(source, Map.copyOf(tokens));
    }

    /** The tokenizer's own template, or {@link #CHATML} when it has none. */
    public static ChatTemplate forTokenizer(HfTokenizer tokenizer) {
        return of(tokenizer.chatTemplate().orElse(CHATML), tokenizer.bosToken(), tokenizer.eosToken());
    }

    /** The Jinja source. */
    public String source() {
        return source;
    }

    /**
     * Renders a conversation.
     *
     * @param addGenerationPrompt whether to open the assistant's turn at the end, as a request for a reply does
     * @throws EngineException with the template's message when it raises or cannot be rendered
     */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        List<Map<String, Object>> list = new ArrayList<>();
        for (ChatMessage m : messages) {
            Map<String, Object> message = new LinkedHashMap<>();
            message.put("role", m.role());
            message.put("content", m.content());
            list.add(message);
        }
        Map<String, Object> bindings = new HashMap<>(specialTokens);
        bindings.put("messages", list);
        bindings.put("add_generation_prompt", addGenerationPrompt);
        RenderResult result;
        try {
            result = DjlRuntime.withPluginClassLoader(() -> jinjava.renderForResult(source, bindings));
        } catch (RuntimeException e) {
            throw new EngineException("the model's chat template failed: " + rootMessage(e), e);
        }
        for (TemplateError error : result.getErrors()) {
            if (error.getSeverity() == TemplateError.ErrorType.FATAL) {
                String message = error.getException() != null ? rootMessage(error.getException()) : error.getMessage();
                throw new EngineException("the model's chat template failed: " + message);
            }
        }
        return result.getOutput();
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            if (t instanceof TemplateFunctions.TemplateRaisedException) {
                break;
            }
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }
}
