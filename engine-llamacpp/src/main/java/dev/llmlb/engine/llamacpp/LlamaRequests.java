package dev.llmlb.engine.llamacpp;

import de.kherud.llama.InferenceParameters;

import java.lang.reflect.Field;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import dev.llmlb.api.engine.ChatMessage;
import dev.llmlb.api.engine.SamplingParams;

/**
 * Builds java-llama.cpp requests, including two things its typed setters cannot say.
 *
 * <p>{@link InferenceParameters} is a map of raw JSON values handed to llama.cpp's server code, but its setters only
 * take a prompt as text and chat messages as user/assistant pairs. This engine sends the prompt as token ids (so the
 * prompt it counts is exactly the prompt llama.cpp evaluates) and messages with any role (system in any position,
 * tool), by writing those two values into the map directly. The map is package-private; java-llama.cpp has no module
 * descriptor, so as an automatic module all its packages are open to reflection. {@link #check()} runs when the
 * engine starts, so a java-llama.cpp version without the map fails at once, not on the first request.
 */
final class LlamaRequests {

    private static final Field PARAMETERS = parametersField();

    private LlamaRequests() {
    }

    /** Fails if this java-llama.cpp has no parameter map to write into. */
    static void check() {
        raw(new InferenceParameters(""));
    }

    /**
     * A streamed completion of {@code prompt} token ids.
     *
     * <p>Sampling follows OpenAI's definitions: temperature then nucleus (top_p) over the whole vocabulary, so
     * llama.cpp's own extra truncations (top_k 40, min_p 0.05) are switched off. Presence and frequency penalties
     * look at the whole context.
     *
     * @param reuseCache whether llama.cpp may keep the part of its KV cache the prompt shares with the previous
     *                   request on the slot instead of evaluating it again (decided by {@link PromptCache})
     * @param slot       the llama.cpp slot to run on (chosen by {@link SequenceSlots})
     */
    static InferenceParameters completion(int[] prompt, int maxTokens, SamplingParams sampling, boolean reuseCache,
                                          int slot) {
        return completion(prompt, maxTokens, sampling, reuseCache, slot, null);
    }

    /**
     * A streamed completion held to a GBNF grammar (when not null), with the request's logit bias.
     *
     * @see #completion(int[], int, SamplingParams, boolean, int)
     */
    static InferenceParameters completion(int[] prompt, int maxTokens, SamplingParams sampling, boolean reuseCache,
                                          int slot, String grammar) {
        InferenceParameters p = new InferenceParameters("")
                .setNPredict(maxTokens)
                .setTemperature((float) Math.max(0, sampling.temperature()))
                .setTopP((float) sampling.topP())
                .setTopK(0)
                .setMinP(0f)
                .setRepeatPenalty(1f)
                .setPresencePenalty((float) sampling.presencePenalty())
                .setFrequencyPenalty((float) sampling.frequencyPenalty())
                .setRepeatLastN(-1)
                .setCachePrompt(reuseCache);
        sampling.seed().ifPresent(seed -> p.setSeed(nativeSeed(seed)));
        if (grammar != null) {
            p.setGrammar(grammar);
        }
        if (!sampling.logitBias().isEmpty()) {
            Map<Integer, Float> bias = new java.util.HashMap<>();
            sampling.logitBias().forEach((token, value) -> bias.put(token, value.floatValue()));
            p.setTokenIdBias(bias);
        }
        raw(p).put("prompt", Arrays.toString(prompt));
        raw(p).put("id_slot", Integer.toString(slot));
        return p;
    }

    /**
     * llama.cpp takes a 32-bit seed, and 0xFFFFFFFF means "random": fold the 64 bits into a non-negative int so that
     * different seeds usually differ and none means random.
     */
    static int nativeSeed(long seed) {
        return (int) (seed ^ (seed >>> 32)) & 0x7FFFFFFF;
    }

    /** Parameters for {@code applyTemplate}: the messages and a generation prompt for the assistant. */
    static InferenceParameters chat(List<ChatMessage> messages) {
        InferenceParameters p = new InferenceParameters("");
        String json = messages.stream()
                .map(m -> "{\"role\":" + quote(m.role()) + ",\"content\":" + quote(m.content()) + "}")
                .collect(Collectors.joining(",", "[", "]"));
        raw(p).put("messages", json);
        return p;
    }

    /** A JSON string literal. */
    static String quote(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> raw(InferenceParameters p) {
        try {
            return (Map<String, String>) PARAMETERS.get(p);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("java-llama.cpp's request parameters are not accessible", e);
        }
    }

    private static Field parametersField() {
        try {
            Field f = InferenceParameters.class.getSuperclass().getDeclaredField("parameters");
            f.setAccessible(true);
            return f;
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("this java-llama.cpp has no request parameter map (built for 4.2.0)", e);
        }
    }
}
