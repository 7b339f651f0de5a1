package dev.llmlb.host.http;

import dev.llmlb.host.json.Json;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmlb.api.engine.TokenLogprob;
import dev.llmlb.host.inference.Outcome;
import dev.llmlb.host.openai.ToolCallFormat;
import dev.llmlb.host.openai.ToolCallSchema;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * One choice of a chat answer, written as OpenAI writes it: {@code content}, or {@code tool_calls} with ids and
 * {@code finish_reason: "tool_calls"}. Streamed, text goes out as {@code content} deltas as soon as it cannot be part of
 * a call; a call goes out as OpenAI sends one: a first delta with its index, id, type, name and empty arguments, then
 * deltas of its arguments. The arguments of a named {@code tool_choice} stream as they are generated; calls the node
 * must find in the text first ({@code required}, {@code auto}) go out once the answer is complete.
 */
final class ChatChoice {

    /** Receives each streamed {@code choices[]} entry. */
    @FunctionalInterface
    interface Chunks {
        void send(ObjectNode choice);
    }

    private final int index;
    private final ToolMode mode;
    private final boolean logprobs;
    private final Chunks out;
    private final StringBuilder text = new StringBuilder();
    private final List<TokenLogprob> pending = new ArrayList<>();
    private int sent;
    private boolean called;

    ChatChoice(int index, ToolMode mode, boolean logprobs, Chunks out) {
        this.index = index;
        this.mode = mode;
        this.logprobs = logprobs;
        this.out = out;
    }

    /** The first delta: the role, and for a named function the call's head. */
    void start() {
        ObjectNode choice = choice();
        ObjectNode delta = choice.putObject("delta");
        delta.put("role", "assistant");
        if (mode instanceof ToolMode.Named named) {
            delta.putNull("content");
            head(delta.putArray("tool_calls"), 0, named.name());
            called = true;
        } else {
            delta.put("content", "");
        }
        finishNull(choice);
        out.send(choice);
    }

    /** Generated text with the log probabilities of its tokens. */
    void text(String piece, List<TokenLogprob> tokens) {
        text.append(piece);
        pending.addAll(tokens);
        switch (mode) {
            case ToolMode.Text t -> content(piece);
            case ToolMode.Named n -> {
                if (!piece.isEmpty() || !pending.isEmpty()) {
                    ObjectNode choice = choice();
                    arguments(choice.putObject("delta").putArray("tool_calls"), 0, piece);
                    logprobs(choice);
                    finishNull(choice);
                    out.send(choice);
                }
            }
            case ToolMode.Auto auto -> {
                int ready = Math.max(sent, auto.format().streamable(text.toString()));
                if (ready > sent) {
                    String content = text.substring(sent, ready);
                    sent = ready;
                    content(content);
                }
            }
            case ToolMode.Required r -> {
                // Held until the calls are complete.
            }
        }
    }

    /** The end of the choice: calls found in held text, then the delta with {@code finish_reason}. */
    void end(Outcome outcome) {
        switch (mode) {
            case ToolMode.Required r -> {
                Optional<List<ToolCallSchema.Call>> calls = ToolCallSchema.readRequired(text.toString());
                if (calls.isPresent()) {
                    sendCalls(calls.get());
                } else {
                    content(text.toString());
                }
            }
            case ToolMode.Auto auto -> {
                ToolCallFormat.Parsed parsed = auto.format().parse(text.toString());
                if (parsed.calls().isEmpty()) {
                    content(text.substring(sent));
                } else {
                    int start = auto.format() == ToolCallFormat.LLAMA3 ? 0
                            : Math.max(0, text.indexOf(auto.format().marker()));
                    if (start > sent) {
                        content(text.substring(sent, start));
                    }
                    sendCalls(parsed.calls());
                }
            }
            default -> {
            }
        }
        ObjectNode choice = choice();
        choice.putObject("delta");
        logprobs(choice);
        if (!choice.has("logprobs")) {
            choice.putNull("logprobs");
        }
        choice.put("finish_reason", finishReason(outcome, called));
        out.send(choice);
    }

    private void content(String piece) {
        if (piece.isEmpty() && pending.isEmpty()) {
            return;
        }
        ObjectNode choice = choice();
        choice.putObject("delta").put("content", piece);
        logprobs(choice);
        finishNull(choice);
        out.send(choice);
    }

    private void sendCalls(List<ToolCallSchema.Call> calls) {
        for (int k = 0; k < calls.size(); k++) {
            ObjectNode head = choice();
            head(head.putObject("delta").putArray("tool_calls"), k, calls.get(k).name());
            finishNull(head);
            out.send(head);
            ObjectNode arguments = choice();
            arguments(arguments.putObject("delta").putArray("tool_calls"), k, calls.get(k).arguments());
            logprobs(arguments);
            finishNull(arguments);
            out.send(arguments);
        }
        called = true;
    }

    private ObjectNode choice() {
        ObjectNode choice = Json.object();
        choice.put("index", index);
        return choice;
    }

    private void logprobs(ObjectNode choice) {
        if (logprobs && !pending.isEmpty()) {
            choice.set("logprobs", LogprobsJson.chat(pending));
            pending.clear();
        }
    }

    private static void finishNull(ObjectNode choice) {
        if (!choice.has("logprobs")) {
            choice.putNull("logprobs");
        }
        choice.putNull("finish_reason");
    }

    private static void head(ArrayNode calls, int k, String name) {
        ObjectNode call = calls.addObject();
        call.put("index", k);
        call.put("id", callId());
        call.put("type", "function");
        ObjectNode function = call.putObject("function");
        function.put("name", name);
        function.put("arguments", "");
    }

    private static void arguments(ArrayNode calls, int k, String piece) {
        ObjectNode call = calls.addObject();
        call.put("index", k);
        call.putObject("function").put("arguments", piece);
    }

    /** The whole choice of an answer that is not streamed. */
    static ObjectNode complete(int index, ToolMode mode, Outcome outcome, boolean withLogprobs) {
        String content = outcome.text();
        List<ToolCallSchema.Call> calls = List.of();
        switch (mode) {
            case ToolMode.Named named -> {
                calls = List.of(new ToolCallSchema.Call(named.name(), outcome.text()));
                content = null;
            }
            case ToolMode.Required r -> {
                Optional<List<ToolCallSchema.Call>> found = ToolCallSchema.readRequired(outcome.text());
                if (found.isPresent()) {
                    calls = found.get();
                    content = null;
                }
            }
            case ToolMode.Auto auto -> {
                ToolCallFormat.Parsed parsed = auto.format().parse(outcome.text());
                if (!parsed.calls().isEmpty()) {
                    calls = parsed.calls();
                    content = parsed.content().isEmpty() ? null : parsed.content();
                }
            }
            case ToolMode.Text t -> {
            }
        }
        ObjectNode choice = Json.object();
        choice.put("index", index);
        ObjectNode message = choice.putObject("message");
        message.put("role", "assistant");
        message.put("content", content);
        if (!calls.isEmpty()) {
            ArrayNode list = message.putArray("tool_calls");
            for (ToolCallSchema.Call call : calls) {
                ObjectNode item = list.addObject();
                item.put("id", callId());
                item.put("type", "function");
                item.putObject("function").put("name", call.name()).put("arguments", call.arguments());
            }
        }
        message.putNull("refusal");
        if (withLogprobs && outcome.logprobs().isPresent()) {
            choice.set("logprobs", LogprobsJson.chat(outcome.logprobs().get()));
        } else {
            choice.putNull("logprobs");
        }
        choice.put("finish_reason", finishReason(outcome, !calls.isEmpty()));
        return choice;
    }

    /** {@code tool_calls} when the answer is calls, unless it was cut short ({@code length}). */
    private static String finishReason(Outcome outcome, boolean calls) {
        return calls && !outcome.finishReason().equals("length") ? "tool_calls" : outcome.finishReason();
    }

    private static String callId() {
        return "call_" + UUID.randomUUID().toString().replace("-", "").substring(0, 24);
    }
}
