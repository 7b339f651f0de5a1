package dev.llmlb.testkit.models;

/** Chat templates for generated models, beside the plain ChatML one every writer uses by default. */
public final class ChatTemplates {

    private ChatTemplates() {
    }

    /**
     * ChatML with tools the way Qwen 2.5 and Hermes models write them, kept short for models with small contexts: the
     * tools as JSON inside {@code <tools>} in a system turn, an assistant's calls as {@code <tool_call>{"name": ...,
     * "arguments": ...}</tool_call>}, tool answers inside {@code <tool_response>} in a user turn.
     */
    public static final String HERMES_TOOLS = """
            {%- if tools %}
            {{- '<|im_start|>system\\n<tools>' }}
            {%- for tool in tools %}{{ tool | tojson }}{% endfor %}
            {{- '</tools>\\nCall a tool as <tool_call>{"name": ..., "arguments": ...}</tool_call><|im_end|>\\n' }}
            {%- endif %}
            {%- for message in messages %}
            {%- if message.role == 'assistant' and message.tool_calls %}
            {{- '<|im_start|>assistant\\n' }}
            {%- for call in message.tool_calls %}
            {{- '<tool_call>{"name": "' + call.function.name + '", "arguments": ' }}{{ call.function.arguments | tojson }}{{ '}</tool_call>' }}
            {%- endfor %}
            {{- '<|im_end|>\\n' }}
            {%- elif message.role == 'tool' %}
            {{- '<|im_start|>user\\n<tool_response>' + message.content + '</tool_response><|im_end|>\\n' }}
            {%- else %}
            {{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' }}
            {%- endif %}
            {%- endfor %}
            {%- if add_generation_prompt %}
            {{- '<|im_start|>assistant\\n' }}
            {%- endif %}
            """;
}
