package dev.llmlb.host.inference;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a client sees of generated text when the request has stop sequences. */
class StopMatcherTest {

    private static String feed(StopMatcher matcher, String... pieces) {
        StringBuilder sent = new StringBuilder();
        for (String piece : pieces) {
            sent.append(matcher.push(piece));
        }
        return sent.append(matcher.flush()).toString();
    }

    @Test
    void withoutStopsEveryPieceGoesOutAtOnce() {
        StopMatcher matcher = new StopMatcher(List.of());
        assertEquals("Hel", matcher.push("Hel"));
        assertEquals("lo", matcher.push("lo"));
        assertEquals("", matcher.flush());
        assertFalse(matcher.matched());
    }

    @Test
    void aStopSplitAcrossPiecesIsNeverSentInPart() {
        StopMatcher matcher = new StopMatcher(List.of("END"));
        assertEquals("one ", matcher.push("one E"), "the E might start END: held back");
        assertEquals("", matcher.push("N"));
        assertEquals("", matcher.push("D and more"));
        assertTrue(matcher.matched());
        assertEquals("", matcher.push("after"), "nothing after a match");
        assertEquals("", matcher.flush());
    }

    @Test
    void textThatOnlyLookedLikeAStopIsSentOnceItIsClear() {
        StopMatcher matcher = new StopMatcher(List.of("END"));
        assertEquals("", matcher.push("EN"));
        assertEquals("ENough", matcher.push("ough"));
        assertFalse(matcher.matched());
        assertEquals("a E", feed(new StopMatcher(List.of("END")), "a ", "E"), "held text comes out at the end");
    }

    @Test
    void theEarliestOfSeveralStopsWins() {
        StopMatcher matcher = new StopMatcher(List.of("world", "o w"));
        assertEquals("hell", matcher.push("hello world"));
        assertTrue(matcher.matched());
        assertEquals("x", feed(new StopMatcher(List.of("\n\n", "yz")), "x", "y", "z\n\n"));
    }

    @Test
    void aStopThatIsAPrefixOfAnotherCutsAtItsOwnStart() {
        StopMatcher matcher = new StopMatcher(List.of("abc", "ab"));
        assertEquals("x", feed(matcher, "x", "a", "bc"));
        assertTrue(matcher.matched());
    }

    @Test
    void emojiAroundAStopComeThroughWhole() {
        StopMatcher matcher = new StopMatcher(List.of("🛑"));
        assertEquals("🙂 ok ", feed(matcher, "🙂", " ok ", "🛑", " gone"));
        assertTrue(matcher.matched());
    }
}
