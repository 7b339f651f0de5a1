package dev.llmlb.host.http;

import dev.llmlb.host.json.Json;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmlb.api.engine.TokenLogprob;

import java.util.List;

/** Writes log probabilities in the two shapes OpenAI's endpoints use. */
final class LogprobsJson {

    private LogprobsJson() {
    }

    /** Chat: {@code {"content": [{"token", "logprob", "bytes", "top_logprobs": [...]}], "refusal": null}}. */
    static ObjectNode chat(List<TokenLogprob> tokens) {
        ObjectNode logprobs = Json.object();
        ArrayNode content = logprobs.putArray("content");
        for (TokenLogprob token : tokens) {
            ObjectNode entry = entry(content.addObject(), token);
            ArrayNode top = entry.putArray("top_logprobs");
            token.top().forEach(alternative -> entry(top.addObject(), alternative));
        }
        logprobs.putNull("refusal");
        return logprobs;
    }

    private static ObjectNode entry(ObjectNode entry, TokenLogprob token) {
        entry.put("token", token.token());
        entry.put("logprob", token.logprob());
        ArrayNode bytes = entry.putArray("bytes");
        for (byte b : token.bytes()) {
            bytes.add(b & 0xFF);
        }
        return entry;
    }

    /**
     * Completions: parallel arrays {@code tokens}, {@code token_logprobs}, {@code top_logprobs} (a map per token) and
     * {@code text_offset} (where each token starts in the choice's text, counting from {@code offset}).
     */
    static ObjectNode completion(List<TokenLogprob> tokens, int offset) {
        ObjectNode logprobs = Json.object();
        ArrayNode names = logprobs.putArray("tokens");
        ArrayNode values = logprobs.putArray("token_logprobs");
        ArrayNode tops = logprobs.putArray("top_logprobs");
        ArrayNode offsets = logprobs.putArray("text_offset");
        int at = offset;
        for (TokenLogprob token : tokens) {
            names.add(token.token());
            values.add(token.logprob());
            ObjectNode top = tops.addObject();
            token.top().forEach(alternative -> top.put(alternative.token(), alternative.logprob()));
            offsets.add(at);
            at += token.token().length();
        }
        return logprobs;
    }
}
