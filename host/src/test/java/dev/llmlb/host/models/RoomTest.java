package dev.llmlb.host.models;

import dev.llmlb.api.ModelSpec;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The node's room for models: counts, bytes, and which models make way. */
class RoomTest {

    private static Room.Candidate candidate(String id, long bytes) {
        return new Room.Candidate(new ModelSlot(new ModelSpec(id, id, "s", "o/" + id, "main", List.of(), 0,
                List.of())), bytes);
    }

    @Test
    void aModelFitsWithinTheCountAndTheBudget() {
        Room room = new Room(2, 1000);
        assertTrue(room.fits(600));
        room.reserve(600);
        assertFalse(room.fits(500), "over the budget");
        assertTrue(room.fits(400));
        room.reserve(400);
        assertFalse(room.fits(0), "at the model count");
        room.free(600);
        assertTrue(room.fits(500));
        assertFalse(room.couldEverFit(1001));
    }

    @Test
    void aLoadThatReportsItsOwnSizeSettlesTheReservation() {
        Room room = new Room(3, 1000);
        room.reserve(300);
        room.settle(300, 700);
        assertEquals(700, room.usedBytes());
        assertFalse(room.fits(400));
    }

    @Test
    void theFewestLeastRecentlyUsedModelsMakeWay() {
        Room room = new Room(3, 1000);
        room.reserve(400);
        room.reserve(300);
        room.reserve(200);
        Room.Candidate oldest = candidate("a", 400);
        Room.Candidate middle = candidate("b", 300);
        Room.Candidate newest = candidate("c", 200);
        List<Room.Candidate> lru = List.of(oldest, middle, newest);
        assertEquals(Optional.of(List.of(oldest)), room.toMakeRoomFor(350, lru), "one leaving frees count and bytes");
        assertEquals(Optional.of(List.of(oldest, middle)), room.toMakeRoomFor(800, lru));
        assertEquals(Optional.empty(), room.toMakeRoomFor(800, List.of(newest)), "not enough can leave");
    }
}
