package dev.llmlb.source.gguf;

import dev.llmlb.api.ArtifactSpec;
import dev.llmlb.api.ModelSpec;
import dev.llmlb.api.source.FetchPlan;
import dev.llmlb.api.source.ModelFormats;
import dev.llmlb.api.source.ModelSource;
import dev.llmlb.api.source.PlanningContext;
import dev.llmlb.api.source.RemoteFile;
import dev.llmlb.source.hf.HubAccess;
import dev.llmlb.source.hf.PlanSteps;
import dev.llmlb.source.hf.RepoFiles;
import dev.llmlb.source.hf.SpecChecks;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SequencedSet;

/**
 * Plans GGUF files from a HuggingFace repository in one step; see the package documentation for which files.
 * Holds no state: every call reads the tree again and asks the host what is already fetched.
 */
public final class HfGgufSource implements ModelSource {

    private static final System.Logger LOG = System.getLogger(HfGgufSource.class.getName());

    private final HubAccess hub;

    /** A source for the repositories of {@code hub}. */
    public HfGgufSource(HubAccess hub) {
        this.hub = Objects.requireNonNull(hub, "hub");
    }

    @Override
    public List<String> validate(ModelSpec spec) {
        List<String> problems = new ArrayList<>(SpecChecks.problems(spec));
        List<ArtifactSpec> artifacts = spec.artifacts();
        for (int i = 0; i < artifacts.size(); i++) {
            String filename = artifacts.get(i).filename();
            if (!filename.toLowerCase(Locale.ROOT).endsWith(".gguf")) {
                problems.add("artifacts[" + i + "].filename: '" + filename + "' is not a .gguf file; source "
                        + HfGgufSourceFactory.NAME + " fetches GGUF files only");
            }
        }
        return problems;
    }

    @Override
    public Optional<String> expectedFormat() {
        return Optional.of(ModelFormats.GGUF);
    }

    @Override
    public FetchPlan plan(ModelSpec spec, PlanningContext context) {
        RepoFiles repo = RepoFiles.read(spec, context, hub);
        Selection selection;
        if (spec.artifacts().isEmpty()) {
            GgufChooser.Candidate chosen = GgufChooser.choose(repo.tree(), repo.repo().describe());
            selection = new Selection(chosen.paths(), chosen.entry());
            if (context.fetchedFile(chosen.entry()).isEmpty()) {
                LOG.log(System.Logger.Level.INFO, "Model ''{0}'' lists no artifacts; chose {1} ({2}, {3} bytes) from {4}",
                        spec.id(), chosen.entry(), chosen.quantization().orElse("smallest file"), chosen.totalBytes(),
                        repo.repo().describe());
            }
        } else {
            selection = listed(spec.artifacts());
        }
        List<RemoteFile> files = repo.require(selection.paths());
        Optional<FetchPlan.Fetch> next = PlanSteps.fetchMissing(files, context);
        if (next.isPresent()) {
            return next.get();
        }
        return new FetchPlan.Complete(ModelFormats.GGUF, Map.of(ModelFormats.ENTRY_FILE, selection.entry()));
    }

    /** The listed files, each split part widened to its whole set, in listing then part order. */
    static Selection listed(List<ArtifactSpec> artifacts) {
        SequencedSet<String> paths = new LinkedHashSet<>();
        for (ArtifactSpec artifact : artifacts) {
            GgufSplit.parse(artifact.filename()).ifPresentOrElse(
                    split -> paths.addAll(split.allParts()),
                    () -> paths.add(artifact.filename()));
        }
        String first = artifacts.get(0).filename();
        String entry = GgufSplit.parse(first).map(GgufSplit::firstPart).orElse(first);
        return new Selection(List.copyOf(paths), entry);
    }

    /**
     * The files of a model and the one to open.
     *
     * @param paths its files in order
     * @param entry the file llama.cpp opens: the single file, or the first part of a split set
     */
    record Selection(List<String> paths, String entry) {
    }

    @Override
    public String toString() {
        return HfGgufSourceFactory.NAME;
    }
}
