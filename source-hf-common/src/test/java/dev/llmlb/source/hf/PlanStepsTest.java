package dev.llmlb.source.hf;

import dev.llmlb.api.source.FetchPlan;
import dev.llmlb.api.source.PlanningException;
import dev.llmlb.api.source.RemoteFile;
import dev.llmlb.testkit.source.FakePlanningContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class PlanStepsTest {

    @TempDir
    Path folder;

    private static RemoteFile file(String path) {
        return new RemoteFile(path, URI.create("https://hub.test/o/n/resolve/main/" + path), 1, Optional.empty());
    }

    @Test
    void fetchesOnlyWhatIsNotInPlaceYet() {
        FakePlanningContext context = new FakePlanningContext(folder);
        context.markFetched("a", "x");

        Optional<FetchPlan.Fetch> step = PlanSteps.fetchMissing(List.of(file("a"), file("b"), file("b")), context);

        assertEquals(List.of(file("b")), step.orElseThrow().files());
    }

    @Test
    void isDoneWhenEverythingIsInPlace() {
        FakePlanningContext context = new FakePlanningContext(folder);
        context.markFetched("a", "x");
        context.markFetched("d/b", "y");

        assertEquals(Optional.empty(), PlanSteps.fetchMissing(List.of(file("a"), file("d/b")), context));
        assertEquals(folder.resolve("d/b"), PlanSteps.fetched("d/b", context));
    }

    @Test
    void saysSoWhenAPlannedFileWasNeverFetched() {
        FakePlanningContext context = new FakePlanningContext(folder);
        assertThrows(PlanningException.class, () -> PlanSteps.fetched("config.json", context));
    }
}
