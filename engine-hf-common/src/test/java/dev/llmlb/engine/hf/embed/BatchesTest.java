package dev.llmlb.engine.hf.embed;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BatchesTest {

    private static List<Integer> covered(List<Batches.Batch> plan) {
        List<Integer> all = new ArrayList<>();
        plan.forEach(b -> java.util.Arrays.stream(b.inputs()).forEach(all::add));
        return all;
    }

    @Test
    void everyInputRunsOnceWithinTheLimitsPaddedToItsBatchesLongest() {
        SplittableRandom random = new SplittableRandom(5);
        int[] lengths = new int[300];
        for (int i = 0; i < lengths.length; i++) {
            lengths[i] = 1 + random.nextInt(200);
        }
        List<Batches.Batch> plan = Batches.plan(lengths, 32, 2048);
        List<Integer> all = covered(plan);
        assertEquals(lengths.length, all.size());
        assertEquals(lengths.length, new TreeSet<>(all).size());
        for (Batches.Batch batch : plan) {
            assertTrue(batch.inputs().length <= 32);
            assertTrue((long) batch.inputs().length * batch.positions() <= 2048);
            int longest = java.util.Arrays.stream(batch.inputs()).map(i -> lengths[i]).max().orElseThrow();
            assertEquals(longest, batch.positions());
        }
    }

    @Test
    void inputsOfOneLengthShareBatchesAndVeryDifferentLengthsDoNot() {
        int[] same = new int[64];
        java.util.Arrays.fill(same, 10);
        assertEquals(2, Batches.plan(same, 32, 8192).size(), "32 rows at most");
        List<Batches.Batch> mixed = Batches.plan(new int[] {200, 5, 6, 7, 5, 201}, 32, 8192);
        assertEquals(2, mixed.size(), "the long pair apart from the short four");
        assertEquals(201, mixed.get(0).positions());
        assertEquals(7, mixed.get(1).positions());
    }

    @Test
    void anInputLongerThanTheBudgetRunsAlone() {
        List<Batches.Batch> plan = Batches.plan(new int[] {500, 400, 3}, 32, 256);
        assertEquals(3, plan.size());
        assertEquals(500, plan.get(0).positions());
        assertEquals(1, plan.get(0).inputs().length);
    }
}
