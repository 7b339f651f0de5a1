package dev.llmlb.source.safetensors;

import dev.llmlb.api.ArtifactSpec;
import dev.llmlb.api.ModelSpec;
import dev.llmlb.api.source.FetchPlan;
import dev.llmlb.api.source.ModelFormats;
import dev.llmlb.api.source.ModelSource;
import dev.llmlb.api.source.PlanningContext;
import dev.llmlb.source.hf.HubAccess;
import dev.llmlb.source.hf.ModelConfig;
import dev.llmlb.source.hf.PlanSteps;
import dev.llmlb.source.hf.RepoFiles;
import dev.llmlb.source.hf.RepoTree;
import dev.llmlb.source.hf.SentenceTransformersFiles;
import dev.llmlb.source.hf.SpecChecks;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Plans a transformers repository in one step (single weights file) or two (sharded weights); see the package
 * documentation. Holds no state: every call reads the tree again and asks the host what is already fetched.
 */
public final class HfSafetensorsSource implements ModelSource {

    static final String CONFIG = "config.json";
    static final String GENERATION_CONFIG = "generation_config.json";
    static final String TOKENIZER = "tokenizer.json";
    static final String TOKENIZER_CONFIG = "tokenizer_config.json";
    static final String SPECIAL_TOKENS_MAP = "special_tokens_map.json";
    static final String SINGLE_WEIGHTS = "model.safetensors";
    static final String WEIGHTS_INDEX = "model.safetensors.index.json";

    /** The manifest property naming the weights file or index an engine reads. */
    public static final String WEIGHTS_FILE = "weights_file";

    private final HubAccess hub;

    /** A source for the repositories of {@code hub}. */
    public HfSafetensorsSource(HubAccess hub) {
        this.hub = Objects.requireNonNull(hub, "hub");
    }

    @Override
    public List<String> validate(ModelSpec spec) {
        return SpecChecks.problems(spec);
    }

    @Override
    public Optional<String> expectedFormat() {
        return Optional.of(ModelFormats.SAFETENSORS);
    }

    @Override
    public FetchPlan plan(ModelSpec spec, PlanningContext context) {
        RepoFiles repo = RepoFiles.read(spec, context, hub);
        RepoTree tree = repo.tree();
        Optional<String> weights = tree.contains(SINGLE_WEIGHTS) ? Optional.of(SINGLE_WEIGHTS)
                : tree.contains(WEIGHTS_INDEX) ? Optional.of(WEIGHTS_INDEX) : Optional.empty();

        List<String> missing = new ArrayList<>();
        for (String required : List.of(CONFIG, TOKENIZER, TOKENIZER_CONFIG)) {
            if (!tree.contains(required)) {
                missing.add(required);
            }
        }
        if (weights.isEmpty()) {
            missing.add(SINGLE_WEIGHTS + " or " + WEIGHTS_INDEX);
        }
        for (ArtifactSpec artifact : spec.artifacts()) {
            if (!tree.contains(artifact.filename())) {
                missing.add(artifact.filename());
            }
        }
        if (!missing.isEmpty()) {
            throw repo.repo().lacks(missing);
        }

        List<String> firstStep = new ArrayList<>(List.of(CONFIG));
        addIfPresent(tree, GENERATION_CONFIG, firstStep);
        firstStep.add(TOKENIZER);
        firstStep.add(TOKENIZER_CONFIG);
        addIfPresent(tree, SPECIAL_TOKENS_MAP, firstStep);
        firstStep.addAll(SentenceTransformersFiles.present(tree));
        firstStep.add(weights.get());
        spec.artifacts().forEach(a -> firstStep.add(a.filename()));
        Optional<FetchPlan.Fetch> next = PlanSteps.fetchMissing(repo.require(firstStep), context);
        if (next.isPresent()) {
            return next.get();
        }

        if (weights.get().equals(WEIGHTS_INDEX)) {
            SafetensorsIndex index = SafetensorsIndex.read(PlanSteps.fetched(WEIGHTS_INDEX, context),
                    repo.repo().describe());
            next = PlanSteps.fetchMissing(repo.require(index.shards()), context);
            if (next.isPresent()) {
                return next.get();
            }
        }

        ModelConfig config = ModelConfig.read(PlanSteps.fetched(CONFIG, context), repo.repo().describe());
        Map<String, String> properties = new LinkedHashMap<>(config.properties());
        properties.put(ModelFormats.ENTRY_FILE, CONFIG);
        properties.put(WEIGHTS_FILE, weights.get());
        return new FetchPlan.Complete(ModelFormats.SAFETENSORS, properties);
    }

    private static void addIfPresent(RepoTree tree, String path, List<String> paths) {
        if (tree.contains(path)) {
            paths.add(path);
        }
    }

    @Override
    public String toString() {
        return HfSafetensorsSourceFactory.NAME;
    }
}
