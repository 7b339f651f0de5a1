package dev.llmlb.source.onnx;

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
import dev.llmlb.source.hf.TreeEntry;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Plans an ONNX export in one step by the layout rules of the package documentation. Holds no state: every call
 * reads the tree again and asks the host what is already fetched.
 */
public final class HfOnnxSource implements ModelSource {

    static final String TRANSFORMERS_JS_MODEL = "onnx/model.onnx";
    static final String OPTIMUM_MODEL = "model.onnx";
    static final String CONFIG = "config.json";
    static final String GENERATION_CONFIG = "generation_config.json";
    static final String TOKENIZER = "tokenizer.json";
    static final String TOKENIZER_CONFIG = "tokenizer_config.json";
    static final String SPECIAL_TOKENS_MAP = "special_tokens_map.json";

    private static final Pattern DATA_CHUNK = Pattern.compile("_(\\d{1,6})");

    private final HubAccess hub;

    /** A source for the repositories of {@code hub}. */
    public HfOnnxSource(HubAccess hub) {
        this.hub = Objects.requireNonNull(hub, "hub");
    }

    @Override
    public List<String> validate(ModelSpec spec) {
        return SpecChecks.problems(spec);
    }

    @Override
    public Optional<String> expectedFormat() {
        return Optional.of(ModelFormats.ONNX);
    }

    @Override
    public FetchPlan plan(ModelSpec spec, PlanningContext context) {
        RepoFiles repo = RepoFiles.read(spec, context, hub);
        RepoTree tree = repo.tree();
        Optional<String> model = modelFile(spec, tree);

        List<String> missing = new ArrayList<>();
        if (model.isEmpty()) {
            missing.add(TRANSFORMERS_JS_MODEL + " or " + OPTIMUM_MODEL
                    + " (name another .onnx file under artifacts to use it)");
        }
        for (String required : List.of(CONFIG, TOKENIZER, TOKENIZER_CONFIG)) {
            if (!tree.contains(required)) {
                missing.add(required);
            }
        }
        for (ArtifactSpec artifact : spec.artifacts()) {
            if (!tree.contains(artifact.filename())) {
                missing.add(artifact.filename());
            }
        }
        if (!missing.isEmpty()) {
            throw repo.repo().lacks(missing);
        }

        List<String> paths = new ArrayList<>();
        paths.add(model.get());
        paths.addAll(externalData(model.get(), tree));
        paths.add(CONFIG);
        addIfPresent(tree, GENERATION_CONFIG, paths);
        paths.add(TOKENIZER);
        paths.add(TOKENIZER_CONFIG);
        addIfPresent(tree, SPECIAL_TOKENS_MAP, paths);
        paths.addAll(SentenceTransformersFiles.present(tree));
        spec.artifacts().forEach(a -> paths.add(a.filename()));
        Optional<FetchPlan.Fetch> next = PlanSteps.fetchMissing(repo.require(paths), context);
        if (next.isPresent()) {
            return next.get();
        }

        ModelConfig config = ModelConfig.read(PlanSteps.fetched(CONFIG, context), repo.repo().describe());
        Map<String, String> properties = new LinkedHashMap<>(config.properties());
        properties.put(ModelFormats.ENTRY_FILE, model.get());
        return new FetchPlan.Complete(ModelFormats.ONNX, properties);
    }

    /** The listed {@code .onnx} variant, else the transformers.js path, else the Optimum path, when present. */
    static Optional<String> modelFile(ModelSpec spec, RepoTree tree) {
        Optional<String> listed = spec.artifacts().stream().map(ArtifactSpec::filename)
                .filter(f -> f.toLowerCase(Locale.ROOT).endsWith(".onnx")).findFirst();
        if (listed.isPresent()) {
            return listed;
        }
        return tree.contains(TRANSFORMERS_JS_MODEL) ? Optional.of(TRANSFORMERS_JS_MODEL)
                : tree.contains(OPTIMUM_MODEL) ? Optional.of(OPTIMUM_MODEL) : Optional.empty();
    }

    /**
     * The external-data files of {@code model} the tree has: {@code <model>_data}, {@code <model>.data} and the
     * chunks {@code <model>_data_N}, in that order, chunks by number.
     */
    static List<String> externalData(String model, RepoTree tree) {
        List<String> data = new ArrayList<>();
        addIfPresent(tree, model + "_data", data);
        addIfPresent(tree, model + ".data", data);
        String chunkPrefix = model + "_data";
        tree.files().stream()
                .map(TreeEntry::path)
                .filter(p -> p.startsWith(chunkPrefix) && DATA_CHUNK.matcher(p.substring(chunkPrefix.length())).matches())
                .sorted(Comparator.comparingInt(p -> Integer.parseInt(p.substring(chunkPrefix.length() + 1))))
                .forEach(data::add);
        return data;
    }

    private static void addIfPresent(RepoTree tree, String path, List<String> paths) {
        if (tree.contains(path)) {
            paths.add(path);
        }
    }

    @Override
    public String toString() {
        return HfOnnxSourceFactory.NAME;
    }
}
