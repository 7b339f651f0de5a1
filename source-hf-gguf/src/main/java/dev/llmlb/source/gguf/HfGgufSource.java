package dev.llmlb.source.gguf;

import dev.llmlb.api.ArtifactSpec;
import dev.llmlb.api.ModelSpec;
import dev.llmlb.api.source.FetchPlan;
import dev.llmlb.api.source.ModelFormats;
import dev.llmlb.api.source.ModelSource;
import dev.llmlb.api.source.PlanningContext;
import dev.llmlb.api.source.PlanningException;
import dev.llmlb.source.hf.HubPaths;
import dev.llmlb.source.hf.HubRepo;
import dev.llmlb.source.hf.TreeEntry;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Plans the GGUF files of a model.
 *
 * <ul>
 *   <li>With artifacts listed: exactly those. A listed part of a split set ({@code -00001-of-00003.gguf}) brings
 *   every part of the set; sizes and checksums of unlisted parts come from the hub's tree.</li>
 *   <li>With none listed: the repository's tree decides, preferring {@code Q4_K_M}, then the order of
 *   {@link GgufFiles#PREFERENCE}, then the smallest file; a split set is taken whole; vision projectors
 *   ({@code mmproj}) are never chosen.</li>
 * </ul>
 * The model's {@code entry_file} is the single file or the first part, which llama.cpp opens.
 */
final class HfGgufSource implements ModelSource {

    @Override
    public List<String> validate(ModelSpec spec) {
        List<String> problems = new ArrayList<>();
        String repo = HubPaths.repoIdProblem(spec.repoId());
        if (repo != null) {
            problems.add(repo);
        }
        for (int i = 0; i < spec.artifacts().size(); i++) {
            if (!spec.artifacts().get(i).filename().toLowerCase(java.util.Locale.ROOT).endsWith(".gguf")) {
                problems.add("artifacts[" + i + "].filename: hf_gguf models are .gguf files, got \""
                        + spec.artifacts().get(i).filename() + "\"");
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
        HubRepo repo = new HubRepo(spec, context);
        List<String> files = spec.artifacts().isEmpty() ? chooseFromTree(repo) : listed(repo);
        Optional<FetchPlan.Fetch> missing = repo.missing(files);
        if (missing.isPresent()) {
            return missing.get();
        }
        return new FetchPlan.Complete(ModelFormats.GGUF, Map.of(ModelFormats.ENTRY_FILE, files.get(0)));
    }

    /** The listed artifacts, each split part completed to its whole set, first parts first. */
    private static List<String> listed(HubRepo repo) {
        Set<String> files = new LinkedHashSet<>();
        for (ArtifactSpec artifact : repo.spec().artifacts()) {
            Optional<GgufFiles.Split> split = GgufFiles.split(artifact.filename());
            if (split.isPresent()) {
                files.addAll(split.get().parts());
            } else {
                files.add(artifact.filename());
            }
        }
        return new ArrayList<>(files);
    }

    private static List<String> chooseFromTree(HubRepo repo) {
        Map<String, TreeEntry> tree = repo.tree();
        List<GgufFiles.CandidateFile> candidates = new ArrayList<>();
        for (TreeEntry entry : tree.values()) {
            if (!GgufFiles.isModel(entry.path())) {
                continue;
            }
            Optional<GgufFiles.Split> split = GgufFiles.split(entry.path());
            if (split.isEmpty()) {
                candidates.add(new GgufFiles.CandidateFile(entry.path(), entry.size()));
            } else if (split.get().index() == 1) {
                List<String> parts = split.get().parts();
                if (parts.stream().allMatch(tree::containsKey)) {
                    long size = parts.stream().mapToLong(p -> tree.get(p).size()).sum();
                    candidates.add(new GgufFiles.CandidateFile(entry.path(), size));
                }
            }
        }
        GgufFiles.CandidateFile chosen = candidates.stream().min(GgufFiles.order()).orElseThrow(() ->
                new PlanningException("repository " + repo.spec().repoId() + " has no .gguf model file; list the "
                        + "file to use in the entry's artifacts"));
        return GgufFiles.split(chosen.path()).map(GgufFiles.Split::parts).orElse(List.of(chosen.path()));
    }
}
