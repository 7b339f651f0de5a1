package dev.llmlb.source.hf;

import dev.llmlb.api.source.FetchPlan;
import dev.llmlb.api.source.PlanningContext;
import dev.llmlb.api.source.PlanningException;
import dev.llmlb.api.source.RemoteFile;

import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Turning the files a model needs into the next step of a plan. Sources keep no state between calls: each call
 * works out the whole list again and asks the host which of it is already in place.
 */
public final class PlanSteps {

    private PlanSteps() {
    }

    /** A step fetching those of {@code files} the host has not fetched yet, or empty when all are in place. */
    public static Optional<FetchPlan.Fetch> fetchMissing(Collection<RemoteFile> files, PlanningContext context) {
        Map<String, RemoteFile> missing = new LinkedHashMap<>();
        for (RemoteFile file : files) {
            if (context.fetchedFile(file.path()).isEmpty()) {
                missing.putIfAbsent(file.path(), file);
            }
        }
        return missing.isEmpty() ? Optional.empty() : Optional.of(new FetchPlan.Fetch(List.copyOf(missing.values())));
    }

    /**
     * A file an earlier step fetched.
     *
     * @throws PlanningException when the host does not have it, which means the plan went wrong
     */
    public static Path fetched(String path, PlanningContext context) {
        return context.fetchedFile(path).orElseThrow(() -> new PlanningException(
                "The host did not report '" + path + "' as fetched although an earlier step planned it."));
    }
}
