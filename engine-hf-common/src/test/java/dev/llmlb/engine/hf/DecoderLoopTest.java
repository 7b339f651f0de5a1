package dev.llmlb.engine.hf;

import dev.llmlb.api.engine.ContextLengthExceededException;
import dev.llmlb.api.engine.EngineException;
import dev.llmlb.api.engine.GenerationResult;
import dev.llmlb.api.engine.GenerationResult.FinishReason;
import dev.llmlb.api.engine.SamplingParams;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DecoderLoopTest {

    private static final int VOCAB = 10;
    private static final int EOS = 9;

    /** A fake model that predicts the last fed token + 1, and records what it was fed. */
    private static final class Counting implements DecoderLoop.Decoder {
        final List<int[]> fed = new ArrayList<>();

        @Override
        public float[] step(int[] tokens) {
            fed.add(tokens.clone());
            float[] logits = new float[VOCAB];
            logits[(tokens[tokens.length - 1] + 1) % VOCAB] = 10f;
            return logits;
        }
    }

    private static DecoderLoop loop(int context) {
        return new DecoderLoop(context, Set.of(EOS), ids -> {
            StringBuilder out = new StringBuilder();
            for (int id : ids) {
                out.append((char) ('a' + id));
            }
            return out.toString();
        });
    }

    @Test
    void maxTokensEndsWithLengthAfterExactlyThatManyTokensAndNoExtraStep() {
        Counting model = new Counting();
        List<String> pieces = new ArrayList<>();
        GenerationResult result = loop(100).run(new int[] {0, 1}, 3, SamplingParams.greedy(), model, pieces::add);
        assertEquals(new GenerationResult(FinishReason.LENGTH, 2, 3), result);
        assertEquals(List.of("c", "d", "e"), pieces);
        assertEquals(List.of("[0, 1]", "[2]", "[3]"), model.fed.stream().map(Arrays::toString).toList(),
                "the prompt at once, then one token per step");
    }

    @Test
    void endOfSequenceIsNeitherSentNorCounted() {
        List<String> pieces = new ArrayList<>();
        GenerationResult result = loop(100).run(new int[] {5}, 50, SamplingParams.greedy(), new Counting(),
                pieces::add);
        assertEquals(new GenerationResult(FinishReason.END_OF_SEQUENCE, 1, 3), result);
        assertEquals(List.of("g", "h", "i"), pieces);
    }

    @Test
    void theSinkStopsAtOnceAndTheRefusedTokenCounts() {
        Counting model = new Counting();
        List<String> pieces = new ArrayList<>();
        GenerationResult result = loop(100).run(new int[] {0}, 50, SamplingParams.greedy(), model,
                piece -> pieces.add(piece) && pieces.size() < 2);
        assertEquals(new GenerationResult(FinishReason.STOPPED_BY_SINK, 1, 2), result);
        assertEquals(2, model.fed.size(), "no step after the refusal");
    }

    @Test
    void aFullContextEndsWithLength() {
        GenerationResult result = loop(6).run(new int[] {0, 0, 0, 0}, 50, SamplingParams.greedy(), new Counting(),
                piece -> true);
        assertEquals(new GenerationResult(FinishReason.LENGTH, 4, 2), result);
    }

    @Test
    void aPromptThatLeavesNoRoomIsRefusedBeforeAnyStep() {
        Counting model = new Counting();
        ContextLengthExceededException e = assertThrows(ContextLengthExceededException.class,
                () -> loop(4).run(new int[] {1, 2, 3, 4}, 5, SamplingParams.greedy(), model, piece -> true));
        assertEquals(4, e.promptTokens());
        assertEquals(4, e.contextLength());
        assertTrue(model.fed.isEmpty());
    }

    @Test
    void aFailingModelBecomesAnEngineErrorButSinkErrorsPassThrough() {
        EngineException e = assertThrows(EngineException.class, () -> loop(10).run(new int[] {1}, 5,
                SamplingParams.greedy(), tokens -> {
                    throw new IllegalStateException("out of memory");
                }, piece -> true));
        assertTrue(e.getMessage().contains("out of memory"), e.getMessage());
        assertThrows(UnsupportedOperationException.class, () -> loop(10).run(new int[] {1}, 5,
                SamplingParams.greedy(), new Counting(), piece -> {
                    throw new UnsupportedOperationException("client gone");
                }));
    }
}
