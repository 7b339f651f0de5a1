package dev.llmlb.engine.hf;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import dev.llmlb.api.engine.ChatMessage;
import dev.llmlb.api.engine.EngineException;
import dev.llmlb.api.engine.InvalidInputException;
import dev.llmlb.api.engine.Tool;
import dev.llmlb.api.engine.ToolCall;
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
 * {@code content}, an assistant's {@code tool_calls} as {@code {"id", "type": "function", "function": {"name",
 * "arguments"}}} with the arguments as an object, a tool's {@code tool_call_id} and {@code name}), {@code tools} (when
 * there are any: {@code {"type": "function", "function": {"name", "description", "parameters"}}} each),
 * {@code add_generation_prompt}, {@code bos_token} and {@code eos_token}; the functions
 * {@code raise_exception} and {@code strftime_now}. Python string methods and {@code namespace()} are not available
 * in Jinjava; templates that need them fail with a clear message. Immutable and thread-safe.
 */
public final class ChatTemplate {

    /** The fallback for models without a chat template: ChatML, as engine-llamacpp uses. */
    public static final String CHATML = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + "
            + "message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}"
            + "{{ '<|im_start|>assistant\\n' }}{% endif %}";

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
            new com.fasterxml.jackson.databind.ObjectMapper();

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
     * Renders a conversation without tools.
     *
     * @see #render(List, List, boolean)
     */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        return render(messages, List.of(), addGenerationPrompt);
    }

    /**
     * Renders a conversation and the tools the model may call.
     *
     * @param addGenerationPrompt whether to open the assistant's turn at the end, as a request for a reply does
     * @throws InvalidInputException naming {@code messages} when the template refuses the conversation
     *                               ({@code raise_exception}, e.g. "roles must alternate")
     * @throws EngineException       when the template cannot be rendered
     */
    public String render(List<ChatMessage> messages, List<Tool> tools, boolean addGenerationPrompt) {
        List<Map<String, Object>> list = new ArrayList<>();
        for (ChatMessage m : messages) {
            list.add(message(m));
        }
        Map<String, Object> bindings = new HashMap<>(specialTokens);
        bindings.put("messages", list);
        bindings.put("add_generation_prompt", addGenerationPrompt);
        if (!tools.isEmpty()) {
            List<Map<String, Object>> declared = new ArrayList<>();
            for (Tool tool : tools) {
                Map<String, Object> function = new LinkedHashMap<>();
                function.put("name", tool.name());
                function.put("description", tool.description());
                function.put("parameters", parsed(tool.parameters()));
                Map<String, Object> entry = new LinkedHashMap<>();
                entry.put("type", "function");
                entry.put("function", function);
                declared.add(entry);
            }
            bindings.put("tools", declared);
        }
        RenderResult result;
        try {
            result = DjlRuntime.withPluginClassLoader(() -> jinjava.renderForResult(source, bindings));
        } catch (RuntimeException e) {
            throw failure(e);
        }
        for (TemplateError error : result.getErrors()) {
            if (error.getSeverity() == TemplateError.ErrorType.FATAL) {
                if (error.getException() != null) {
                    throw failure(error.getException());
                }
                throw new EngineException("the model's chat template failed: " + error.getMessage());
            }
        }
        return result.getOutput();
    }

    private static Map<String, Object> message(ChatMessage m) {
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("role", m.role());
        message.put("content", m.content());
        if (!m.toolCalls().isEmpty()) {
            List<Map<String, Object>> calls = new ArrayList<>();
            for (ToolCall call : m.toolCalls()) {
                Map<String, Object> function = new LinkedHashMap<>();
                function.put("name", call.name());
                // transformers passes arguments as a dict; templates write them with tojson.
                function.put("arguments", parsed(call.arguments()));
                Map<String, Object> entry = new LinkedHashMap<>();
                entry.put("id", call.id());
                entry.put("type", "function");
                entry.put("function", function);
                calls.add(entry);
            }
            message.put("tool_calls", calls);
        }
        m.toolCallId().ifPresent(id -> message.put("tool_call_id", id));
        m.name().ifPresent(name -> message.put("name", name));
        return message;
    }

    /** JSON text as maps and lists, or the text itself when it is not JSON. */
    private static Object parsed(String json) {
        try {
            return JSON.readValue(json, Object.class);
        } catch (java.io.IOException e) {
            return json;
        }
    }

    /** A template's own refusal is the request's fault (400); anything else is the template's (500). */
    private static RuntimeException failure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof TemplateFunctions.TemplateRaisedException raised) {
                return new InvalidInputException("messages", "invalid_messages", "The model's chat template refused "
                        + "these messages: " + raised.getMessage());
            }
        }
        return new EngineException("the model's chat template failed: " + rootMessage(e), e);
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
