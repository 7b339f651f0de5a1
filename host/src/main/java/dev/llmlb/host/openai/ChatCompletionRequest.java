package dev.llmlb.host.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmlb.api.engine.ChatMessage;
import dev.llmlb.api.engine.JsonConstraint;
import dev.llmlb.api.engine.SamplingParams;
import dev.llmlb.api.engine.Tool;
import dev.llmlb.api.engine.ToolCall;
import dev.llmlb.host.failure.FailureException;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A validated {@code POST /v1/chat/completions} body.
 *
 * @param maxTokens         {@code max_completion_tokens}, else {@code max_tokens}; empty to generate until the
 *                          context ends
 * @param choices           {@code n}
 * @param tools             the functions the model may call
 * @param toolChoice        whether and which it must call
 * @param parallelToolCalls whether one answer may call several functions
 * @param responseFormat    the JSON the answer must be, for {@code response_format} {@code json_object} or
 *                          {@code json_schema}
 * @param topLogprobs       present when {@code logprobs} is true: how many alternatives each token reports
 */
public record ChatCompletionRequest(String model, List<ChatMessage> messages, OptionalInt maxTokens,
                                    SamplingParams sampling, List<String> stop, boolean stream,
                                    boolean includeUsage, int choices, List<Tool> tools, ToolChoice toolChoice,
                                    boolean parallelToolCalls, Optional<JsonConstraint> responseFormat,
                                    OptionalInt topLogprobs) {

    private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool");
    private static final Pattern FUNCTION_NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> KNOWN = Set.of("model", "messages", "max_tokens", "max_completion_tokens",
            "temperature", "top_p", "n", "stream", "stream_options", "stop", "presence_penalty", "frequency_penalty",
            "logit_bias", "logprobs", "top_logprobs", "seed", "tools", "tool_choice", "parallel_tool_calls",
            "response_format", "user", "metadata", "store", "service_tier");
    private static final Map<String, String> UNSUPPORTED = Map.of(
            "functions", "'functions' is deprecated and not supported; send 'tools'.",
            "function_call", "'function_call' is deprecated and not supported; send 'tool_choice'.",
            "audio", "Audio output is not supported by this node.",
            "prediction", "Predicted outputs are not supported by this node.",
            "reasoning_effort", "'reasoning_effort' is not supported by this node.",
            "web_search_options", "Web search is not supported by this node.");

    public ChatCompletionRequest {
        messages = List.copyOf(messages);
        stop = List.copyOf(stop);
        tools = List.copyOf(tools);
    }

    /** Validates a request body; every problem is a 400 naming its parameter. */
    public static ChatCompletionRequest parse(JsonNode body) {
        Fields fields = new Fields(body);
        String model = fields.requiredString("model");
        fields.rejectPresent(UNSUPPORTED);
        JsonNode modalities = fields.present("modalities");
        if (modalities != null && !(modalities.isArray() && modalities.size() == 1
                && "text".equals(modalities.get(0).asText()))) {
            throw FailureException.unsupported("modalities", "Only the 'text' modality is supported by this node.");
        }
        fields.rejectUnknown(withModalities());
        List<ChatMessage> messages = messages(body.get("messages"));
        int choices = fields.choices();
        OptionalInt topLogprobs = logprobs(fields);
        OptionalInt maxTokens = fields.integer("max_completion_tokens", 1);
        if (maxTokens.isEmpty()) {
            maxTokens = fields.integer("max_tokens", 1);
        }
        boolean stream = fields.bool("stream", false);
        fields.optionalString("user");
        fields.optionalString("service_tier");
        fields.bool("store", false);
        fields.metadata();
        List<JsonNode> toolSchemas = new ArrayList<>();
        List<Tool> tools = tools(fields.present("tools"), toolSchemas);
        ToolChoice toolChoice = toolChoice(fields.present("tool_choice"), tools);
        boolean parallel = fields.bool("parallel_tool_calls", true);
        Optional<JsonConstraint> responseFormat = responseFormat(fields.present("response_format"));
        if (responseFormat.isPresent() && (toolChoice instanceof ToolChoice.Required
                || toolChoice instanceof ToolChoice.Named)) {
            throw FailureException.invalid("response_format", "Invalid 'response_format': a JSON response format "
                    + "cannot be combined with a 'tool_choice' that requires a call; the call's arguments already "
                    + "follow the function's schema.");
        }
        checkConstrainedTools(toolChoice, tools, toolSchemas);
        return new ChatCompletionRequest(model, messages, maxTokens, SamplingFields.read(fields), fields.stop(),
                stream, fields.includeUsage(stream), choices, tools, toolChoice, parallel, responseFormat,
                topLogprobs);
    }

    private static Set<String> withModalities() {
        Set<String> known = new java.util.HashSet<>(KNOWN);
        known.add("modalities");
        return known;
    }

    /** {@code logprobs} (a boolean) and {@code top_logprobs} (0 to 20, only with {@code logprobs}). */
    private static OptionalInt logprobs(Fields fields) {
        boolean logprobs = fields.bool("logprobs", false);
        OptionalInt top = fields.integer("top_logprobs", 0);
        if (top.isPresent() && top.getAsInt() > 20) {
            throw FailureException.invalid("top_logprobs", "Invalid 'top_logprobs': at most 20, got "
                    + top.getAsInt() + ".");
        }
        if (top.isPresent() && !logprobs) {
            throw FailureException.invalid("top_logprobs", "'top_logprobs' needs 'logprobs' set to true.");
        }
        return logprobs ? OptionalInt.of(top.orElse(0)) : OptionalInt.empty();
    }

    /**
     * The constraint the output is held to: the called function's parameters for a named {@code tool_choice}, the
     * calls' shape for {@code required} (see {@link ToolCallSchema}), else the response format.
     */
    public Optional<JsonConstraint> constraint() {
        return switch (toolChoice) {
            case ToolChoice.Named named -> {
                int index = toolIndex(tools, named.name());
                yield Optional.of(new JsonConstraint(tools.get(index).parameters(),
                        "tools[" + index + "].function.parameters"));
            }
            case ToolChoice.Required required -> Optional.of(new JsonConstraint(
                    ToolCallSchema.required(tools, parallelToolCalls), "tools"));
            default -> responseFormat;
        };
    }

    private static int toolIndex(List<Tool> tools, String name) {
        for (int i = 0; i < tools.size(); i++) {
            if (tools.get(i).name().equals(name)) {
                return i;
            }
        }
        return -1;
    }

    private static List<ChatMessage> messages(JsonNode node) {
        if (node == null || node.isNull()) {
            throw FailureException.invalid("messages", "Missing required parameter: 'messages'.");
        }
        if (!node.isArray()) {
            throw FailureException.invalid("messages", "Invalid type for 'messages': expected an array.");
        }
        if (node.isEmpty()) {
            throw FailureException.invalid("messages", "Invalid 'messages': expected at least one message.");
        }
        List<ChatMessage> messages = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            String param = "messages[" + i + "]";
            JsonNode message = node.get(i);
            if (!message.isObject()) {
                throw FailureException.invalid(param, "Invalid type for '" + param + "': expected an object.");
            }
            JsonNode role = message.get("role");
            if (role == null || role.isNull()) {
                throw FailureException.invalid(param + ".role", "Missing required parameter: '" + param + ".role'.");
            }
            if (!role.isTextual() || !ROLES.contains(role.asText())) {
                throw FailureException.invalid(param + ".role", "Invalid value for '" + param + ".role': "
                        + role + "; supported values are 'system', 'developer', 'user', 'assistant' and 'tool'.");
            }
            String text = content(message.get("content"), param + ".content");
            String normalizedRole = role.asText().equals("developer") ? "system" : role.asText();
            List<ToolCall> calls = List.of();
            if (normalizedRole.equals("assistant")) {
                calls = toolCalls(message.get("tool_calls"), param + ".tool_calls");
            } else if (message.hasNonNull("tool_calls")) {
                throw FailureException.invalid(param + ".tool_calls", "Invalid '" + param + ".tool_calls': only "
                        + "assistant messages carry tool calls.");
            }
            Optional<String> toolCallId = Optional.empty();
            if (normalizedRole.equals("tool")) {
                JsonNode id = message.get("tool_call_id");
                if (id == null || !id.isTextual()) {
                    throw FailureException.invalid(param + ".tool_call_id", "Missing required parameter: '" + param
                            + ".tool_call_id' (a string) in a tool message.");
                }
                toolCallId = Optional.of(Fields.wellFormed(param + ".tool_call_id", id.asText()));
            }
            JsonNode name = message.get("name");
            if (name != null && !name.isNull() && !name.isTextual()) {
                throw FailureException.invalid(param + ".name", "Invalid type for '" + param + ".name': expected a "
                        + "string.");
            }
            Optional<String> nameText = name == null || name.isNull() ? Optional.empty()
                    : Optional.of(Fields.wellFormed(param + ".name", name.asText()));
            messages.add(new ChatMessage(normalizedRole, text, calls, toolCallId, nameText));
        }
        return messages;
    }

    private static List<ToolCall> toolCalls(JsonNode node, String param) {
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            throw FailureException.invalid(param, "Invalid type for '" + param + "': expected an array.");
        }
        List<ToolCall> calls = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            String at = param + "[" + i + "]";
            JsonNode call = node.get(i);
            JsonNode function = call.path("function");
            if (!call.isObject() || !function.isObject() || !function.path("name").isTextual()) {
                throw FailureException.invalid(at, "Invalid '" + at + "': expected {\"id\", \"type\": \"function\", "
                        + "\"function\": {\"name\", \"arguments\"}}.");
            }
            JsonNode arguments = function.path("arguments");
            String argumentsText = arguments.isTextual() ? arguments.asText()
                    : arguments.isMissingNode() || arguments.isNull() ? "{}" : arguments.toString();
            calls.add(new ToolCall(Fields.wellFormed(at + ".id", call.path("id").asText("")),
                    Fields.wellFormed(at + ".function.name", function.get("name").asText()),
                    Fields.wellFormed(at + ".function.arguments", argumentsText)));
        }
        return calls;
    }

    private static List<Tool> tools(JsonNode node, List<JsonNode> schemas) {
        if (node == null) {
            return List.of();
        }
        if (!node.isArray()) {
            throw FailureException.invalid("tools", "Invalid type for 'tools': expected an array.");
        }
        List<Tool> tools = new ArrayList<>();
        Set<String> names = new java.util.HashSet<>();
        for (int i = 0; i < node.size(); i++) {
            String param = "tools[" + i + "]";
            JsonNode tool = node.get(i);
            if (!tool.isObject() || !"function".equals(tool.path("type").asText())) {
                throw FailureException.invalid(param + ".type", "Invalid '" + param + "': only tools of type "
                        + "'function' are supported.");
            }
            JsonNode function = tool.path("function");
            if (!function.isObject()) {
                throw FailureException.invalid(param + ".function", "Missing required parameter: '" + param
                        + ".function'.");
            }
            JsonNode name = function.path("name");
            if (!name.isTextual() || !FUNCTION_NAME.matcher(name.asText()).matches()) {
                throw FailureException.invalid(param + ".function.name", "Invalid '" + param + ".function.name': "
                        + "expected 1 to 64 letters, digits, underscores or dashes.");
            }
            if (!names.add(name.asText())) {
                throw FailureException.invalid(param + ".function.name", "Invalid '" + param + ".function.name': "
                        + "the name '" + name.asText() + "' is used twice.");
            }
            JsonNode description = function.path("description");
            if (!description.isMissingNode() && !description.isNull() && !description.isTextual()) {
                throw FailureException.invalid(param + ".function.description", "Invalid type for '" + param
                        + ".function.description': expected a string.");
            }
            JsonNode parameters = function.path("parameters");
            if (parameters.isMissingNode() || parameters.isNull()) {
                parameters = JSON.createObjectNode().put("type", "object").set("properties",
                        JSON.createObjectNode());
            } else if (!parameters.isObject()) {
                throw FailureException.invalid(param + ".function.parameters", "Invalid type for '" + param
                        + ".function.parameters': expected a JSON Schema object.");
            }
            schemas.add(parameters);
            tools.add(new Tool(name.asText(), Fields.wellFormed(param + ".function.description",
                    description.asText("")), parameters.toString()));
        }
        return tools;
    }

    private static ToolChoice toolChoice(JsonNode node, List<Tool> tools) {
        if (node == null) {
            return tools.isEmpty() ? new ToolChoice.None() : new ToolChoice.Auto();
        }
        ToolChoice choice;
        if (node.isTextual()) {
            choice = switch (node.asText()) {
                case "none" -> new ToolChoice.None();
                case "auto" -> new ToolChoice.Auto();
                case "required" -> new ToolChoice.Required();
                default -> throw FailureException.invalid("tool_choice", "Invalid value for 'tool_choice': '"
                        + node.asText() + "'; expected 'none', 'auto', 'required' or {\"type\": \"function\", "
                        + "\"function\": {\"name\": ...}}.");
            };
        } else if (node.isObject() && "function".equals(node.path("type").asText())
                && node.path("function").path("name").isTextual()) {
            String name = node.path("function").path("name").asText();
            if (toolIndex(tools, name) < 0) {
                throw FailureException.invalid("tool_choice", "Invalid 'tool_choice': no tool named '" + name
                        + "' in 'tools'.");
            }
            choice = new ToolChoice.Named(name);
        } else {
            throw FailureException.invalid("tool_choice", "Invalid 'tool_choice': expected 'none', 'auto', "
                    + "'required' or {\"type\": \"function\", \"function\": {\"name\": ...}}.");
        }
        if (tools.isEmpty() && !(choice instanceof ToolChoice.None)) {
            throw FailureException.invalid("tool_choice", "Invalid 'tool_choice': it needs 'tools'.");
        }
        return choice;
    }

    /** The schemas a call is held to must be in the subset every engine supports. */
    private static void checkConstrainedTools(ToolChoice choice, List<Tool> tools, List<JsonNode> schemas) {
        for (int i = 0; i < tools.size(); i++) {
            boolean constrained = choice instanceof ToolChoice.Required
                    || choice instanceof ToolChoice.Named named && named.name().equals(tools.get(i).name());
            if (constrained) {
                JsonNode schema = schemas.get(i);
                String param = "tools[" + i + "].function.parameters";
                SchemaSubset.check(schema, param);
                if (!"object".equals(schema.path("type").asText())) {
                    throw FailureException.invalid(param + ".type", "Invalid '" + param + "': a function's "
                            + "parameters must be a schema of type 'object'.");
                }
            }
        }
    }

    /** {@code response_format}: {@code text}, {@code json_object} or {@code json_schema}. */
    private static Optional<JsonConstraint> responseFormat(JsonNode node) {
        if (node == null) {
            return Optional.empty();
        }
        String type = node.path("type").asText("");
        return switch (type) {
            case "text" -> Optional.empty();
            case "json_object" -> Optional.of(new JsonConstraint("{\"type\":\"object\"}", "response_format"));
            case "json_schema" -> {
                JsonNode spec = node.path("json_schema");
                if (!spec.isObject()) {
                    throw FailureException.invalid("response_format.json_schema", "Missing required parameter: "
                            + "'response_format.json_schema'.");
                }
                if (!spec.path("name").isTextual() || !FUNCTION_NAME.matcher(spec.path("name").asText()).matches()) {
                    throw FailureException.invalid("response_format.json_schema.name", "Invalid "
                            + "'response_format.json_schema.name': expected 1 to 64 letters, digits, underscores or "
                            + "dashes.");
                }
                JsonNode schema = spec.path("schema");
                if (schema.isMissingNode() || schema.isNull()) {
                    yield Optional.of(new JsonConstraint("{}", "response_format.json_schema.schema"));
                }
                SchemaSubset.check(schema, "response_format.json_schema.schema");
                yield Optional.of(new JsonConstraint(schema.toString(), "response_format.json_schema.schema"));
            }
            default -> throw FailureException.invalid("response_format.type", "Invalid value for "
                    + "'response_format.type': '" + type + "'; expected 'text', 'json_object' or 'json_schema'.");
        };
    }

    /** A string, or an array of {@code {"type":"text","text":...}} parts joined together. */
    private static String content(JsonNode content, String param) {
        if (content == null || content.isNull()) {
            return "";
        }
        if (content.isTextual()) {
            return Fields.wellFormed(param, content.asText());
        }
        if (!content.isArray()) {
            throw FailureException.invalid(param, "Invalid type for '" + param + "': expected a string or an array of "
                    + "content parts.");
        }
        StringBuilder text = new StringBuilder();
        for (int p = 0; p < content.size(); p++) {
            JsonNode part = content.get(p);
            String partParam = param + "[" + p + "]";
            if (!part.isObject() || !part.path("type").isTextual()) {
                throw FailureException.invalid(partParam, "Invalid '" + partParam + "': expected {\"type\": \"text\", "
                        + "\"text\": ...}.");
            }
            if (!part.get("type").asText().equals("text")) {
                throw FailureException.unsupported(partParam + ".type", "Content parts of type '"
                        + part.get("type").asText() + "' are not supported; only text.");
            }
            if (!part.path("text").isTextual()) {
                throw FailureException.invalid(partParam + ".text", "Invalid type for '" + partParam
                        + ".text': expected a string.");
            }
            text.append(Fields.wellFormed(partParam + ".text", part.get("text").asText()));
        }
        return text.toString();
    }
}
