package dev.llmlb.engine.llamacpp;

import dev.llmlb.api.engine.EngineException;
import dev.llmlb.api.engine.SamplingParams;
import org.junit.jupiter.api.Test;

import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which llama.cpp slot a request runs on (see {@link SequenceSlots}). */
class SequenceSlotsTest {

    private static final SamplingParams GREEDY = SamplingParams.greedy();
    private static final SamplingParams SEEDED = new SamplingParams(1, 1, OptionalLong.of(3), 0, 0);

    private final SequenceSlots slots = new SequenceSlots(3);

    /** Runs a request to its end on the slot it gets: its prompt and 4 generated tokens stay cached. */
    private int run(int[] prompt, SamplingParams sampling) {
        SequenceSlots.Lease lease = slots.acquire(prompt, sampling);
        lease.cache().record(prompt, lease.reuse(), 4);
        slots.release(lease);
        return lease.id();
    }

    @Test
    void eachConversationComesBackToTheSlotHoldingItsPrefix() {
        int a = run(new int[] {1, 10, 11, 12}, GREEDY);
        int b = run(new int[] {1, 20, 21, 22}, GREEDY);
        assertTrue(a != b, "sharing only the start token does not take another conversation's slot");
        SequenceSlots.Lease next = slots.acquire(new int[] {1, 10, 11, 12, 13, 14, 15, 16, 17, 18}, GREEDY);
        assertEquals(a, next.id(), "a's follow-up turn goes where a's turn is cached");
        assertTrue(next.reuse());
        slots.release(next);
        SequenceSlots.Lease other = slots.acquire(new int[] {1, 20, 21, 22, 23, 24, 25, 26, 27, 28}, GREEDY);
        assertEquals(b, other.id());
        slots.release(other);
    }

    @Test
    void withoutAUsefulPrefixTheLeastRecentlyUsedSlotIsTaken() {
        int first = run(new int[] {1, 2, 3, 4}, GREEDY);
        int second = run(new int[] {1, 5, 6, 7}, GREEDY);
        int third = run(new int[] {1, 8, 9, 10}, GREEDY);
        assertEquals(3, java.util.Set.of(first, second, third).size());
        assertEquals(first, run(new int[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, SEEDED),
                "seeded requests never reuse: least recently used, not the slot holding its prefix");
        assertEquals(second, run(new int[] {1, 11, 12, 13}, GREEDY));
    }

    @Test
    void theSameSlotIsNeverGivenTwiceAndAFullPoolWaitsInOrder() throws Exception {
        SequenceSlots.Lease[] held = new SequenceSlots.Lease[3];
        for (int i = 0; i < 3; i++) {
            held[i] = slots.acquire(new int[] {1, i}, GREEDY);
        }
        assertEquals(3, java.util.Set.of(held[0].id(), held[1].id(), held[2].id()).size());
        assertEquals(0, slots.freeSlots());
        CountDownLatch waiting = new CountDownLatch(1);
        CompletableFuture<SequenceSlots.Lease> fourth = CompletableFuture.supplyAsync(() -> {
            waiting.countDown();
            return slots.acquire(new int[] {1, 9}, GREEDY);
        });
        waiting.await();
        Thread.sleep(100);
        assertFalse(fourth.isDone(), "every slot is busy");
        slots.release(held[1]);
        assertEquals(held[1].id(), fourth.get(10, TimeUnit.SECONDS).id());
        assertThrows(EngineException.class, () -> slots.release(held[1]), "a lease given back already");
        slots.release(fourth.get());
    }

    @Test
    void aThreadInterruptedWhileWaitingGivesUpAndKeepsItsFlag() throws Exception {
        SequenceSlots one = new SequenceSlots(1);
        SequenceSlots.Lease held = one.acquire(new int[] {1}, GREEDY);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicReference<Boolean> flag = new AtomicReference<>();
        Thread waiter = new Thread(() -> {
            try {
                one.acquire(new int[] {1}, GREEDY);
            } catch (Throwable t) {
                failure.set(t);
                flag.set(Thread.currentThread().isInterrupted());
            }
        });
        waiter.start();
        Thread.sleep(100);
        waiter.interrupt();
        waiter.join(10_000);
        assertTrue(failure.get() instanceof EngineException, String.valueOf(failure.get()));
        assertTrue(flag.get());
        one.release(held);
        assertEquals(1, one.freeSlots(), "the interrupted waiter took nothing");
    }
}
