package dev.llmlb.host.models;

import dev.llmlb.api.ModelSpec;
import dev.llmlb.api.engine.LocalModel;
import dev.llmlb.host.failure.Failure;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The transitions of one model's life, each checked where it is made. */
class ModelSlotTest {

    private final ModelSlot slot = new ModelSlot(new ModelSpec("m", "m", "test_files", "org/m", "main", List.of(),
            0, List.of()));
    private long seq;

    private static LocalModel local() {
        return new LocalModel("m", Path.of("/models/m"), "scripted", List.of("a"), List.of(10L), Map.of());
    }

    private static Resident resident(int sequences) {
        return new Resident(null, "scripted", false, 100, sequences, () -> { });
    }

    private Ticket ticket() {
        Ticket ticket = new Ticket(seq++, slot);
        slot.enqueue(ticket);
        return ticket;
    }

    private void loadWith(int sequences) {
        slot.filesChecked(Optional.of(local()));
        slot.beginPrepare();
        slot.prepared(new LoadPlan(local(), null, "scripted", null, 100));
        slot.beginLoad();
        slot.loaded(resident(sequences));
    }

    @Test
    void aModelMovesFromMissingThroughDownloadToLoadedAndTheStatusFollows() {
        slot.filesChecked(Optional.empty());
        assertEquals(ModelState.NOT_DOWNLOADED, slot.state());
        ticket();
        assertTrue(slot.needsFetch());
        slot.beginFetch();
        assertEquals(ModelState.WAITING, slot.state());
        slot.fetchProgress(ModelState.DOWNLOADING, 5, 10);
        assertEquals(ModelState.DOWNLOADING, slot.state());
        slot.fetched(local(), true);
        assertEquals(ModelState.COMPLETED, slot.state());
        assertTrue(slot.needsLoad());
        slot.beginPrepare();
        assertEquals(ModelState.LOADING, slot.state());
        slot.prepared(new LoadPlan(local(), null, "scripted", null, 100));
        slot.beginLoad();
        slot.loaded(resident(1));
        assertEquals(ModelState.LOADED, slot.state());
        assertEquals(1, slot.grant().size());
        slot.release();
        slot.beginUnload();
        slot.unloaded();
        assertEquals(ModelState.LOCAL, slot.state(), "served once, the files are simply on disk");
    }

    @Test
    void aLeaseIsGrantedOnlyWhileTheModelIsLoadedAndUpToItsSequences() {
        Ticket first = ticket();
        Ticket second = ticket();
        Ticket third = ticket();
        assertEquals(List.of(), slot.grant(), "not loaded: nobody may lease");
        loadWith(2);
        assertEquals(List.of(first, second), slot.grant(), "two sequences, in arrival order");
        assertEquals(List.of(), slot.grant());
        slot.release();
        assertEquals(List.of(third), slot.grant());
    }

    @Test
    void aModelWithALeaseOutCannotBeUnloaded() {
        loadWith(1);
        ticket();
        slot.grant();
        assertFalse(slot.isIdle());
        assertThrows(IllegalStateException.class, slot::beginUnload);
        slot.release();
        assertTrue(slot.isIdle());
        slot.beginUnload();
        assertEquals(List.of(), slot.grant(), "being unloaded: no lease");
    }

    @Test
    void aModelWithRequestsWaitingToRunIsNotIdle() {
        loadWith(1);
        ticket();
        slot.grant();
        ticket();
        slot.release();
        assertFalse(slot.isIdle(), "the waiting request would run now");
    }

    @Test
    void drainingLetsEarlierRequestsRunAndHoldsBackLaterOnes() {
        loadWith(1);
        Ticket running = ticket();
        Ticket before = ticket();
        assertEquals(List.of(running), slot.grant());
        slot.drain();
        Ticket after = ticket();
        slot.release();
        assertEquals(List.of(before), slot.grant(), "arrived before the drain: still runs");
        slot.release();
        assertEquals(List.of(), slot.grant(), "arrived after: waits for the next load");
        assertTrue(slot.isIdle(), "nothing it may still run: it can make way");
        slot.stopDraining();
        assertEquals(List.of(after), slot.grant());
    }

    @Test
    void aLastingFetchFailureIsShownButATemporaryOneIsNot() {
        slot.filesChecked(Optional.empty());
        Ticket waiting = ticket();
        slot.beginFetch();
        assertEquals(List.of(waiting), slot.fetchFailed(new Failure(Failure.Kind.DOWNLOAD_FAILED, "download_failed",
                "Failed to download model: Network timeout")));
        assertEquals(ModelState.ERROR, slot.state());
        slot.beginFetch();
        slot.fetchFailed(Failure.unavailable("download_unavailable", "the node is shutting down", 30));
        assertEquals(ModelState.NOT_DOWNLOADED, slot.state(), "a passing refusal is no error of the model's");
    }

    @Test
    void filesCannotBeDeletedWhileDownloadingLoadingOrServing() {
        slot.filesChecked(Optional.empty());
        slot.beginFetch();
        assertEquals(Optional.of("is being downloaded"), slot.whyNotDeletable());
        slot.fetched(local(), true);
        ticket();
        slot.beginPrepare();
        assertEquals(Optional.of("is being loaded"), slot.whyNotDeletable());
        slot.prepared(new LoadPlan(local(), null, "scripted", null, 100));
        slot.beginLoad();
        slot.loaded(resident(1));
        slot.grant();
        assertEquals(Optional.of("is serving requests"), slot.whyNotDeletable());
        assertThrows(IllegalStateException.class, slot::beginDelete);
        slot.release();
        slot.beginUnload();
        slot.unloaded();
        slot.beginDelete();
        assertFalse(slot.needsFetch(), "no fetch while the files are being deleted");
        slot.deleteEnded(true);
        assertEquals(ModelState.NOT_DOWNLOADED, slot.state());
    }

    @Test
    void filesFoundGoneBeforeALoadAreFetchedAgain() {
        slot.filesChecked(Optional.of(local()));
        ticket();
        slot.beginPrepare();
        slot.abandonPrepare();
        slot.filesGone();
        assertTrue(slot.needsFetch());
    }

    @Test
    void illegalTransitionsAreRefused() {
        assertThrows(IllegalStateException.class, () -> slot.fetched(local(), true), "no fetch was started");
        assertThrows(IllegalStateException.class, () -> slot.loaded(resident(1)), "no load was started");
        assertThrows(IllegalStateException.class, slot::release, "no lease is out");
        assertThrows(IllegalStateException.class, slot::beginLoad, "nothing was prepared");
    }
}
