package dev.llmlb.host.inference;

import java.util.List;

/**
 * Cuts generated text at the first stop sequence. Text that could still turn into a stop sequence is held back
 * until it is clear, so a client never sees any part of a stop sequence.
 */
final class StopMatcher {

    private final List<String> stops;
    private final StringBuilder pending = new StringBuilder();
    private boolean matched;

    StopMatcher(List<String> stops) {
        this.stops = List.copyOf(stops);
    }

    /** Takes new text and returns what may be sent now. After a match, returns the text before it and then "". */
    String push(String text) {
        if (matched) {
            return "";
        }
        if (stops.isEmpty()) {
            return text;
        }
        pending.append(text);
        int earliest = -1;
        for (String stop : stops) {
            int at = pending.indexOf(stop);
            if (at >= 0 && (earliest < 0 || at < earliest)) {
                earliest = at;
            }
        }
        if (earliest >= 0) {
            matched = true;
            String before = pending.substring(0, earliest);
            pending.setLength(0);
            return before;
        }
        int hold = longestSuffixThatStartsAStop();
        String ready = pending.substring(0, pending.length() - hold);
        pending.delete(0, pending.length() - hold);
        return ready;
    }

    private int longestSuffixThatStartsAStop() {
        int longest = 0;
        String text = pending.toString();
        for (String stop : stops) {
            for (int len = Math.min(stop.length() - 1, text.length()); len > longest; len--) {
                if (text.regionMatches(text.length() - len, stop, 0, len)) {
                    longest = len;
                    break;
                }
            }
        }
        return longest;
    }

    /** Text held back at the end of generation; it never became a stop sequence. */
    String flush() {
        String rest = matched ? "" : pending.toString();
        pending.setLength(0);
        return rest;
    }

    boolean matched() {
        return matched;
    }
}
