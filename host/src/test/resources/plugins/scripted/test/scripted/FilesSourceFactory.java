package test.scripted;

import dev.llmlb.api.ArtifactSpec;
import dev.llmlb.api.ModelSpec;
import dev.llmlb.api.PluginContext;
import dev.llmlb.api.source.FetchPlan;
import dev.llmlb.api.source.ModelSource;
import dev.llmlb.api.source.ModelSourceFactory;
import dev.llmlb.api.source.PlanningContext;
import dev.llmlb.api.source.RemoteFile;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Source {@code test_files}: the listed artifacts, as the format {@code scripted}, from the hub the node's
 * {@code HF_ENDPOINT} names, with {@code HF_TOKEN} as a request header for the hub. An entry tagged
 * {@code reads_tree} reads the repository's tree listing first, as the HuggingFace sources do.
 */
public final class FilesSourceFactory implements ModelSourceFactory {

    @Override
    public String name() {
        return "test_files";
    }

    @Override
    public ModelSource create(PluginContext context) {
        URI hub = URI.create(context.setting("HF_ENDPOINT").orElse("https://huggingface.co"));
        Map<String, String> headers = context.setting("HF_TOKEN")
                .map(token -> Map.of("Authorization", "Bearer " + token)).orElse(Map.of());
        return new ModelSource() {
            @Override
            public List<String> validate(ModelSpec spec) {
                return spec.artifacts().isEmpty() ? List.of("artifacts: test_files needs at least one") : List.of();
            }

            @Override
            public Optional<String> expectedFormat() {
                return Optional.of("scripted");
            }

            @Override
            public FetchPlan plan(ModelSpec spec, PlanningContext ctx) {
                if (spec.tags().contains("reads_tree")) {
                    ctx.read(URI.create(hub + "/api/models/" + spec.repoId() + "/tree/" + spec.revision()
                            + "?recursive=true"), headers);
                }
                if (spec.artifacts().stream().allMatch(a -> ctx.fetchedFile(a.filename()).isPresent())) {
                    return new FetchPlan.Complete("scripted",
                            Map.of("entry_file", spec.artifacts().get(0).filename()));
                }
                return new FetchPlan.Fetch(spec.artifacts().stream().map(a -> file(hub, headers, spec, a)).toList());
            }
        };
    }

    private static RemoteFile file(URI hub, Map<String, String> headers, ModelSpec spec, ArtifactSpec artifact) {
        URI uri = URI.create(hub + "/" + spec.repoId() + "/resolve/" + spec.revision() + "/" + artifact.filename());
        return new RemoteFile(artifact.filename(), uri, artifact.sizeBytes(), artifact.sha256(), headers);
    }
}
