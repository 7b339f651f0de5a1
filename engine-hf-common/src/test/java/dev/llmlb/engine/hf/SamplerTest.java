package dev.llmlb.engine.hf;

import dev.llmlb.api.engine.SamplingParams;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SamplerTest {

    private static final float[] LOGITS = {1.0f, 3.0f, 2.5f, -1.0f, 2.9f};

    private static SamplingParams params(double temperature, double topP, long seed, double presence,
                                         double frequency) {
        return new SamplingParams(temperature, topP, OptionalLong.of(seed), presence, frequency);
    }

    private static List<Integer> draws(SamplingParams params, int n) {
        Sampler sampler = new Sampler(params);
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(sampler.next(LOGITS));
        }
        return out;
    }

    @Test
    void temperatureZeroAlwaysPicksTheMostLikelyTokenAndTheLowestIdOnATie() {
        assertEquals(List.of(1, 1, 1), draws(SamplingParams.greedy(), 3));
        assertEquals(2, Sampler.argmax(new float[] {0f, 1f, 5f, 5f}));
    }

    @Test
    void theSameSeedGivesTheSameDrawsAndAnotherSeedOthers() {
        List<Integer> a = draws(params(1.0, 1.0, 42, 0, 0), 50);
        assertEquals(a, draws(params(1.0, 1.0, 42, 0, 0), 50));
        assertNotEquals(a, draws(params(1.0, 1.0, 43, 0, 0), 50));
    }

    @Test
    void drawsFollowTheSoftmaxOfTheTemperatureScaledLogits() {
        int n = 20_000;
        int[] counts = new int[LOGITS.length];
        draws(params(0.7, 1.0, 7, 0, 0), n).forEach(t -> counts[t]++);
        double sum = 0;
        double[] p = new double[LOGITS.length];
        for (int i = 0; i < p.length; i++) {
            p[i] = Math.exp(LOGITS[i] / 0.7);
            sum += p[i];
        }
        for (int i = 0; i < p.length; i++) {
            double expected = p[i] / sum;
            assertEquals(expected, counts[i] / (double) n, 0.015, "token " + i);
        }
    }

    @Test
    void topPKeepsOnlyTheSmallestSetReachingTheMass() {
        // Softmax at temperature 1: token 1 ~0.38, token 4 ~0.35, token 2 ~0.23: top_p 0.5 keeps tokens 1 and 4.
        List<Integer> drawn = draws(params(1.0, 0.5, 3, 0, 0), 2000);
        assertTrue(drawn.stream().allMatch(t -> t == 1 || t == 4), drawn.toString());
        assertTrue(drawn.contains(1) && drawn.contains(4));
        assertTrue(draws(params(1.0, 0.01, 3, 0, 0), 200).stream().allMatch(t -> t == 1));
    }

    @Test
    void presencePenaltyMovesGreedyOffATokenAlreadyGenerated() {
        // Greedy picks 1 (3.0); with presence 0.2 it becomes 2.8, under token 4 (2.9); then 4 becomes 2.7, so 1
        // again, and the penalty does not grow with repetition.
        assertEquals(List.of(1, 4, 1, 1), draws(new SamplingParams(0, 1, OptionalLong.empty(), 0.2, 0), 4));
    }

    @Test
    void frequencyPenaltyGrowsWithEachRepetition() {
        // Frequency 0.3: token 1 (3.0) falls to 2.7 after one use, under 2.9 (token 4); token 4 falls to 2.6,
        // so 1 again at 2.7; then 1 is at 2.4 and token 4 at 2.6 wins, then 2 (2.5) beats both.
        assertEquals(List.of(1, 4, 1, 4, 2), draws(new SamplingParams(0, 1, OptionalLong.empty(), 0, 0.3), 5));
    }

    @Test
    void theLogitsPassedInAreNotChanged() {
        float[] copy = LOGITS.clone();
        draws(new SamplingParams(0, 1, OptionalLong.empty(), 1, 1), 5);
        assertEquals(java.util.Arrays.toString(copy), java.util.Arrays.toString(LOGITS));
    }

    @Test
    void logitBiasShiftsTheChoiceAndMinusOneHundredBansAToken() {
        SamplingParams banned = new SamplingParams(0.0, 1.0, OptionalLong.empty(), 0, 0, java.util.Map.of(1, -100.0));
        assertEquals(4, new Sampler(banned).next(LOGITS));
        SamplingParams favoured = new SamplingParams(0.0, 1.0, OptionalLong.empty(), 0, 0,
                java.util.Map.of(3, 4.5));
        assertEquals(3, new Sampler(favoured).next(LOGITS));
    }

    @Test
    void logprobsAreTheLogSoftmaxAfterBiasAndBeforeTemperatureWithTheTopAlternatives() {
        SamplingParams params = new SamplingParams(0.5, 1.0, OptionalLong.of(3), 0, 0, java.util.Map.of(0, 1.0));
        Sampler sampler = new Sampler(params, null, 2);
        int token = sampler.next(LOGITS);
        float[] biased = LOGITS.clone();
        biased[0] += 1.0f;
        double sum = 0;
        for (float l : biased) {
            sum += Math.exp(l);
        }
        Sampler.Logprobs logprobs = sampler.lastLogprobs();
        assertEquals(token, logprobs.token());
        assertEquals(biased[token] - Math.log(sum), logprobs.logprob(), 1e-5);
        assertEquals(List.of(1, 4), java.util.Arrays.stream(logprobs.topTokens()).boxed().toList());
        assertEquals(3.0 - Math.log(sum), logprobs.topLogprobs()[0], 1e-5);
        assertEquals(null, new Sampler(params).lastLogprobs());
    }
}
