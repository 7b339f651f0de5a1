package dev.llmlb.engine.llamacpp;

import dev.llmlb.api.engine.ChatMessage;
import dev.llmlb.api.engine.InvalidInputException;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Chat messages made safe for java-llama.cpp's template call, and the way back.
 *
 * <p>Measured with java-llama.cpp 4.2.0: {@code applyTemplate} returns llama.cpp's rendered text through JNI's
 * {@code NewStringUTF}, which reads "modified UTF-8", so a character beyond the Basic Multilingual Plane (every
 * emoji) comes back as garbage and the text after it is cut short ({@code "emoji 🙂 ok"} came back as
 * {@code "emoji ð ok<|im_end|>\n<|im_start|>assista"}); and llama.cpp's formatter reads message content as C
 * strings, so a NUL character ended the message there. Each such character is sent as a private-use character that
 * the messages do not contain, and put back in the rendered text.
 */
final class TemplateText {

    private static final char FIRST_PRIVATE = '\uE000';
    private static final char LAST_PRIVATE = '\uF8FF';

    private final List<ChatMessage> messages;
    private final Map<Character, Integer> originals;

    private TemplateText(List<ChatMessage> messages, Map<Character, Integer> originals) {
        this.messages = messages;
        this.originals = originals;
    }

    static TemplateText of(List<ChatMessage> messages) {
        Set<Character> taken = new HashSet<>();
        for (ChatMessage m : messages) {
            collectPrivate(m.role(), taken);
            collectPrivate(m.content(), taken);
        }
        Map<Integer, Character> placeholders = new HashMap<>();
        char[] next = {FIRST_PRIVATE};
        List<ChatMessage> safe = new ArrayList<>(messages.size());
        for (ChatMessage m : messages) {
            safe.add(new ChatMessage(replace(m.role(), placeholders, taken, next),
                    replace(m.content(), placeholders, taken, next)));
        }
        Map<Character, Integer> originals = new HashMap<>();
        placeholders.forEach((codePoint, placeholder) -> originals.put(placeholder, codePoint));
        return new TemplateText(safe, originals);
    }

    /** The messages to render. */
    List<ChatMessage> messages() {
        return messages;
    }

    /** The rendered text with the original characters back in place. */
    String restore(String rendered) {
        if (originals.isEmpty()) {
            return rendered;
        }
        StringBuilder out = new StringBuilder(rendered.length());
        for (int i = 0; i < rendered.length(); i++) {
            char c = rendered.charAt(i);
            Integer original = originals.get(c);
            if (original == null) {
                out.append(c);
            } else {
                out.appendCodePoint(original);
            }
        }
        return out.toString();
    }

    private static void collectPrivate(String text, Set<Character> taken) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c >= FIRST_PRIVATE && c <= LAST_PRIVATE) {
                taken.add(c);
            }
        }
    }

    private static String replace(String text, Map<Integer, Character> placeholders, Set<Character> taken,
                                  char[] next) {
        if (text.codePoints().noneMatch(TemplateText::damaged)) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length());
        text.codePoints().forEach(cp -> {
            if (!damaged(cp)) {
                out.appendCodePoint(cp);
                return;
            }
            out.append(placeholders.computeIfAbsent(cp, k -> {
                while (next[0] <= LAST_PRIVATE && taken.contains(next[0])) {
                    next[0]++;
                }
                if (next[0] > LAST_PRIVATE) {
                    throw new InvalidInputException("messages", "The messages hold too many different characters "
                            + "beyond the Basic Multilingual Plane (emoji and the like) for this engine's chat "
                            + "template call.");
                }
                return next[0]++;
            }));
        });
        return out.toString();
    }

    /** What the template call cannot carry: NUL and characters beyond the Basic Multilingual Plane. */
    private static boolean damaged(int codePoint) {
        return codePoint == 0 || codePoint > 0xFFFF;
    }
}
