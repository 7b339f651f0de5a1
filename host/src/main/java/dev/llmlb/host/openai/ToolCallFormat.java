package dev.llmlb.host.openai;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * How a model writes tool calls when it chooses to ({@code tool_choice: "auto"}), read from its chat template, as
 * llama.cpp's server and vLLM's tool parsers choose:
 * <ul>
 *   <li>{@link #HERMES} (Qwen 2/2.5/3, Hermes, many fine-tunes): {@code <tool_call>{"name": ..., "arguments": ...}
 *       </tool_call>}, one block per call, text possibly before;</li>
 *   <li>{@link #MISTRAL}: {@code [TOOL_CALLS][{"name": ..., "arguments": ...}, ...]};</li>
 *   <li>{@link #LLAMA3} (Llama 3.1 and later): the whole answer is {@code {"name": ..., "parameters": ...}} (or
 *       several separated by {@code ;}), optionally after {@code <|python_tag|>}.</li>
 * </ul>
 * A template that shows none of these gets {@link #HERMES}, the format most open models are trained on.
 */
public enum ToolCallFormat {
    HERMES("<tool_call>"),
    MISTRAL("[TOOL_CALLS]"),
    LLAMA3("<|python_tag|>");

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonParser.Feature.ALLOW_TRAILING_COMMA)
            .build();

    private final String marker;

    ToolCallFormat(String marker) {
        this.marker = marker;
    }

    /** The format a chat template teaches its model. */
    public static ToolCallFormat of(Optional<String> template) {
        String source = template.orElse("");
        if (source.contains("[TOOL_CALLS]")) {
            return MISTRAL;
        }
        if (source.contains("<tool_call>")) {
            return HERMES;
        }
        if (source.contains("<|python_tag|>") || source.contains("\"parameters\"")
                || source.contains("<|start_header_id|>") && source.contains("tools")) {
            return LLAMA3;
        }
        return HERMES;
    }

    /** What starts a call in the text; text before it is the answer's content. */
    public String marker() {
        return marker;
    }

    /**
     * How much of {@code text}, the answer so far, may be streamed as content: everything before a call could start.
     * The rest is held back until the answer is complete (and then parsed): from the marker on, a tail that could
     * still become the marker, and for {@link #LLAMA3} the whole of an answer that starts as JSON.
     */
    public int streamable(String text) {
        if (this == LLAMA3) {
            String trimmed = text.stripLeading();
            return trimmed.isEmpty() || trimmed.startsWith("{") || trimmed.startsWith("<") ? 0 : text.length();
        }
        int at = text.indexOf(marker);
        if (at >= 0) {
            return at;
        }
        for (int len = Math.min(marker.length() - 1, text.length()); len > 0; len--) {
            if (text.endsWith(marker.substring(0, len))) {
                return text.length() - len;
            }
        }
        return text.length();
    }

    /**
     * The calls in a complete answer and the text around them.
     *
     * @param content the answer without its calls (empty when it held only calls)
     * @param calls   the calls, in order; empty when the answer holds none or they are not valid JSON
     */
    public record Parsed(String content, List<ToolCallSchema.Call> calls) {
    }

    /** Finds the calls in a complete answer; text that is not a well-formed call stays content. */
    public Parsed parse(String text) {
        return switch (this) {
            case HERMES -> hermes(text);
            case MISTRAL -> mistral(text);
            case LLAMA3 -> llama3(text);
        };
    }

    private Parsed hermes(String text) {
        List<ToolCallSchema.Call> calls = new ArrayList<>();
        int first = text.indexOf("<tool_call>");
        if (first < 0) {
            return new Parsed(text, List.of());
        }
        int at = first;
        while (at >= 0) {
            int start = at + "<tool_call>".length();
            int end = text.indexOf("</tool_call>", start);
            String body = (end < 0 ? text.substring(start) : text.substring(start, end)).strip();
            ToolCallSchema.Call call = call(read(body), "arguments");
            if (call == null) {
                return new Parsed(text, List.of());
            }
            calls.add(call);
            if (end < 0) {
                break;
            }
            at = text.indexOf("<tool_call>", end);
            String between = text.substring(end + "</tool_call>".length(), at < 0 ? text.length() : at);
            if (!between.isBlank()) {
                return new Parsed(text, List.of());
            }
        }
        return new Parsed(text.substring(0, first).strip(), calls);
    }

    private Parsed mistral(String text) {
        int at = text.indexOf("[TOOL_CALLS]");
        if (at < 0) {
            return new Parsed(text, List.of());
        }
        JsonNode node = read(text.substring(at + "[TOOL_CALLS]".length()).strip());
        List<ToolCallSchema.Call> calls = new ArrayList<>();
        if (node != null) {
            for (JsonNode item : node.isArray() ? node : List.of(node)) {
                ToolCallSchema.Call call = call(item, "arguments");
                if (call == null) {
                    return new Parsed(text, List.of());
                }
                calls.add(call);
            }
        }
        return calls.isEmpty() ? new Parsed(text, List.of()) : new Parsed(text.substring(0, at).strip(), calls);
    }

    private Parsed llama3(String text) {
        String body = text.strip();
        if (body.startsWith("<|python_tag|>")) {
            body = body.substring("<|python_tag|>".length()).strip();
        }
        if (!body.startsWith("{")) {
            return new Parsed(text, List.of());
        }
        List<ToolCallSchema.Call> calls = new ArrayList<>();
        for (String part : body.split(";(?=\\s*\\{)")) {
            ToolCallSchema.Call call = call(read(part.strip()), "parameters");
            if (call == null) {
                call = call(read(part.strip()), "arguments");
            }
            if (call == null) {
                return new Parsed(text, List.of());
            }
            calls.add(call);
        }
        return new Parsed("", calls);
    }

    private static ToolCallSchema.Call call(JsonNode node, String argumentsField) {
        if (node == null || !node.path("name").isTextual() || node.get("name").asText().isEmpty()) {
            return null;
        }
        JsonNode arguments = node.path(argumentsField);
        if (arguments.isTextual()) {
            // Some models write the arguments as a JSON string.
            JsonNode inner = read(arguments.asText());
            arguments = inner != null && inner.isObject() ? inner : null;
        }
        if (arguments == null || arguments.isMissingNode()) {
            return null;
        }
        if (!arguments.isObject()) {
            return null;
        }
        return new ToolCallSchema.Call(node.get("name").asText(), arguments.toString());
    }

    private static JsonNode read(String json) {
        try {
            return JSON.readTree(json);
        } catch (JsonProcessingException e) {
            return null;
        }
    }
}
