package dev.llmlb.engine.llamacpp;

import dev.llmlb.api.engine.GenerationResult;
import dev.llmlb.api.engine.GenerationResult.FinishReason;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** How streamed pieces become sink calls, counts and finish reasons (see {@link GenerationLoop}). */
class GenerationLoopTest {

    private final List<String> calls = new ArrayList<>();
    private final AtomicInteger cancels = new AtomicInteger();

    private GenerationResult run(List<String> pieces, int budget) {
        return outcome(pieces, budget).result();
    }

    private GenerationLoop.Outcome outcome(List<String> pieces, int budget) {
        return GenerationLoop.run(pieces.iterator(), cancels::incrementAndGet, budget, 7, calls::add);
    }

    @Test
    void aPiecePerTokenUpToTheBudgetIsLength() {
        GenerationResult r = run(List.of("a", "b", "c"), 3);
        assertEquals(new GenerationResult(FinishReason.LENGTH, 7, 3), r);
        assertEquals(List.of("a", "b", "c"), calls);
        assertEquals(0, cancels.get());
    }

    @Test
    void aFinalEmptyPieceBeforeTheBudgetIsTheEndOfSequenceAndNotPassedOn() {
        GenerationResult r = run(List.of("a", "b", ""), 10);
        assertEquals(new GenerationResult(FinishReason.END_OF_SEQUENCE, 7, 2), r);
        assertEquals(List.of("a", "b"), calls);
        assertEquals(0, cancels.get());
    }

    @Test
    void emptyPiecesFollowedByMoreAreTokensWithoutText() {
        run(List.of("a", "", "b", ""), 4);
        assertEquals(List.of("a", "", "b", ""), calls);
    }

    @Test
    void tokensHeldBackInsideACharacterAreCountedAtTheEnd() {
        // Five tokens: two bytes of "é" held back and sent with the third token, then two more.
        GenerationResult r = run(List.of("xé", "y", "z"), 5);
        assertEquals(new GenerationResult(FinishReason.LENGTH, 7, 5), r);
        assertEquals(List.of("xé", "y", "z", "", ""), calls);
    }

    @Test
    void theTokensLeftInTheCacheAreBoundedFromTheText() {
        assertEquals(100, outcome(List.of("a", "b"), 100).tokensAtMost(), "LENGTH: the budget (merged pieces)");
        assertEquals(2 + 1 + 4, outcome(List.of("ab", "c", ""), 100).tokensAtMost(), "ASCII pieces are one token");
        assertEquals(1 + 4 + 1 + 4, outcome(List.of("x", "🙂", ""), 100).tokensAtMost(), "one per byte otherwise");
        assertEquals(8, outcome(List.of("x", "🙂", ""), 8).tokensAtMost(), "never more than the budget");
    }

    @Test
    void aSinkThatRefusesStopsAndCancelsTheNativeGeneration() {
        GenerationResult r = GenerationLoop.run(List.of("a", "b", "c").iterator(), cancels::incrementAndGet, 3, 7,
                text -> calls.add(text) && calls.size() < 2).result();
        assertEquals(new GenerationResult(FinishReason.STOPPED_BY_SINK, 7, 2), r);
        assertEquals(1, cancels.get());
    }

    @Test
    void aSinkThatThrowsCancelsTheNativeGeneration() {
        assertThrows(IllegalStateException.class, () -> GenerationLoop.run(List.of("a").iterator(),
                cancels::incrementAndGet, 3, 7, text -> {
                    throw new IllegalStateException("gone");
                }));
        assertEquals(1, cancels.get());
    }
}
