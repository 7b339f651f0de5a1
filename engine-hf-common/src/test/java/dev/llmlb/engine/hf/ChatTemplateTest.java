package dev.llmlb.engine.hf;

import dev.llmlb.api.engine.ChatMessage;
import dev.llmlb.api.engine.EngineException;
import dev.llmlb.api.engine.InvalidInputException;
import dev.llmlb.api.engine.Tool;
import dev.llmlb.api.engine.ToolCall;
import dev.llmlb.testkit.models.GgufWriter;
import org.junit.jupiter.api.Test;

import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChatTemplateTest {

    private static final List<ChatMessage> CHAT = List.of(new ChatMessage("system", "Be brief."),
            new ChatMessage("user", "Hi!"));

    private static ChatTemplate template(String source) {
        return ChatTemplate.of(source, Optional.of("<s>"), Optional.of("</s>"));
    }

    @Test
    void theGeneratedModelsChatMlTemplateRendersAsLlamaCppRendersIt() {
        assertEquals("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi!<|im_end|>\n"
                + "<|im_start|>assistant\n", template(GgufWriter.CHAT_TEMPLATE).render(CHAT, true));
        assertEquals("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi!<|im_end|>\n",
                template(GgufWriter.CHAT_TEMPLATE).render(CHAT, false));
        assertEquals(GgufWriter.CHAT_TEMPLATE, ChatTemplate.CHATML, "the fallback is the same ChatML");
    }

    /** The shape of Llama 2 / Mistral templates: bos_token, alternation enforced with raise_exception. */
    private static final String LLAMA2 = """
            {% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}\
            {% set system_message = messages[0]['content'] %}{% else %}{% set loop_messages = messages %}\
            {% set system_message = false %}{% endif %}\
            {% for message in loop_messages %}\
            {% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}\
            {{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}\
            {% if loop.index0 == 0 and system_message != false %}\
            {% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}\
            {% else %}{% set content = message['content'] %}{% endif %}\
            {% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content | trim + ' [/INST]' }}\
            {% elif message['role'] == 'assistant' %}{{ ' ' + content | trim + ' ' + eos_token }}{% endif %}\
            {% endfor %}""";

    @Test
    void llama2StyleTemplatesGetBosEosSlicingAndTrim() {
        String rendered = template(LLAMA2).render(List.of(new ChatMessage("system", "Be brief."),
                new ChatMessage("user", " Hi! "), new ChatMessage("assistant", "Hello."),
                new ChatMessage("user", "Bye")), true);
        // The filter binds tighter than +, and trims the whole content: the user's leading space stays inside.
        assertEquals("<s>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\n Hi! [/INST] Hello. </s><s>[INST] Bye [/INST]",
                rendered);
    }

    @Test
    void raiseExceptionRefusesTheConversationAsTheRequestsFaultNamingMessages() {
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> template(LLAMA2).render(
                List.of(new ChatMessage("user", "a"), new ChatMessage("user", "b")), true));
        assertTrue(e.getMessage().contains("Conversation roles must alternate"), e.getMessage());
        assertEquals("messages", e.param());
    }

    /** Qwen2.5's template, as its tokenizer_config.json has it (Hermes-style tool calls). */
    private static final String QWEN25 = """
            {%- if tools %}
                {{- '<|im_start|>system\n' }}
                {%- if messages[0]['role'] == 'system' %}
                    {{- messages[0]['content'] }}
                {%- else %}
                    {{- 'You are Qwen, created by Alibaba Cloud. You are a helpful assistant.' }}
                {%- endif %}
                {{- "\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\nYou are provided with function signatures within <tools></tools> XML tags:\n<tools>" }}
                {%- for tool in tools %}
                    {{- "\n" }}
                    {{- tool | tojson }}
                {%- endfor %}
                {{- "\n</tools>\n\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n{\\\"name\\\": <function-name>, \\\"arguments\\\": <args-json-object>}\n</tool_call><|im_end|>\n" }}
            {%- else %}
                {%- if messages[0]['role'] == 'system' %}
                    {{- '<|im_start|>system\n' + messages[0]['content'] + '<|im_end|>\n' }}
                {%- else %}
                    {{- '<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n' }}
                {%- endif %}
            {%- endif %}
            {%- for message in messages %}
                {%- if (message.role == "user") or (message.role == "system" and not loop.first) or (message.role == "assistant" and not message.tool_calls) %}
                    {{- '<|im_start|>' + message.role + '\n' + message.content + '<|im_end|>' + '\n' }}
                {%- elif message.role == "assistant" %}
                    {{- '<|im_start|>' + message.role }}
                    {%- if message.content %}
                        {{- '\n' + message.content }}
                    {%- endif %}
                    {%- for tool_call in message.tool_calls %}
                        {%- if tool_call.function is defined %}
                            {%- set tool_call = tool_call.function %}
                        {%- endif %}
                        {{- '\n<tool_call>\n{"name": "' }}
                        {{- tool_call.name }}
                        {{- '", "arguments": ' }}
                        {{- tool_call.arguments | tojson }}
                        {{- '}\n</tool_call>' }}
                    {%- endfor %}
                    {{- '<|im_end|>\n' }}
                {%- elif message.role == "tool" %}
                    {%- if (loop.index0 == 0) or (messages[loop.index0 - 1].role != "tool") %}
                        {{- '<|im_start|>user' }}
                    {%- endif %}
                    {{- '\n<tool_response>\n' }}
                    {{- message.content }}
                    {{- '\n</tool_response>' }}
                    {%- if loop.last or (messages[loop.index0 + 1].role != "tool") %}
                        {{- '<|im_end|>\n' }}
                    {%- endif %}
                {%- endif %}
            {%- endfor %}
            {%- if add_generation_prompt %}
                {{- '<|im_start|>assistant\n' }}
            {%- endif %}
            """;

    @Test
    void toolsCallsAndToolAnswersAreRenderedAsQwensTemplateWritesThem() {
        Tool weather = new Tool("get_weather", "The weather in a city",
                "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]}");
        List<ChatMessage> messages = List.of(new ChatMessage("user", "Weather in Paris?"),
                new ChatMessage("assistant", "", List.of(new ToolCall("call_1", "get_weather", "{\"city\":\"Paris\"}")),
                        Optional.empty(), Optional.empty()),
                new ChatMessage("tool", "sunny", List.of(), Optional.of("call_1"), Optional.of("get_weather")));
        String rendered = template(QWEN25).render(messages, List.of(weather), true);
        assertTrue(rendered.contains("<tools>\n{\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
                + "\"description\":\"The weather in a city\",\"parameters\":{\"type\":\"object\""), rendered);
        // The call's arguments are an object to the template, as transformers passes them.
        assertTrue(rendered.contains("<|im_start|>assistant\n<tool_call>\n{\"name\": \"get_weather\", "
                + "\"arguments\": {\"city\":\"Paris\"}}\n</tool_call><|im_end|>"), rendered);
        assertTrue(rendered.contains("<|im_start|>user\n<tool_response>\nsunny\n</tool_response><|im_end|>\n"
                + "<|im_start|>assistant\n"), rendered);
        assertFalse(template(QWEN25).render(messages.subList(0, 1), true).contains("<tools>"));
    }

    /** Llama 3 style: trim_blocks and lstrip_blocks make the block tags leave no whitespace behind. */
    private static final String LLAMA3 = """
            {{- bos_token }}
            {%- for message in messages %}
                {{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' + message['content'] | trim + '<|eot_id|>' }}
            {%- endfor %}
            {%- if add_generation_prompt %}
                {{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}
            {%- endif %}
            """;

    @Test
    void llama3StyleTemplatesRenderWithoutStrayWhitespace() {
        assertEquals("<s><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nHi!<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n", template(LLAMA3).render(CHAT, true));
    }

    @Test
    void blockTagsOnTheirOwnLinesLeaveNoBlankLinesAsTransformersRendersThem() {
        String source = """
                {% for message in messages %}
                [{{ message.role }}]
                {% endfor %}
                {% if add_generation_prompt %}
                [assistant]
                {% endif %}
                """;
        assertEquals("[system]\n[user]\n[assistant]\n", template(source).render(CHAT, true));
    }

    @Test
    void strftimeNowWritesTodaysDate() {
        String rendered = template("{{ strftime_now('%d %b %Y') }}").render(CHAT, true);
        assertEquals(LocalDate.now().format(DateTimeFormatter.ofPattern("dd MMM yyyy", Locale.ENGLISH)), rendered);
    }

    @Test
    void undefinedVariablesAreFalsyAsInJinja() {
        assertEquals("no tools", template("{% if tools %}tools{% else %}no tools{% endif %}").render(CHAT, true));
    }

    @Test
    void aBrokenTemplateFailsWithAClearMessage() {
        EngineException e = assertThrows(EngineException.class,
                () -> template("{% for message in messages %}{{ message.content ").render(CHAT, true));
        assertTrue(e.getMessage().startsWith("the model's chat template failed"), e.getMessage());
    }
}
