package org.example.mirror;

import dev.llmlb.api.ArtifactSpec;
import dev.llmlb.api.ModelSpec;
import dev.llmlb.api.source.FetchPlan;
import dev.llmlb.api.source.ModelFormats;
import dev.llmlb.api.source.ModelSource;
import dev.llmlb.api.source.PlanningContext;
import dev.llmlb.api.source.RemoteFile;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Source {@code http_mirror}: the entry's {@code repo_id} is the base URL of a plain HTTP(S) server, its
 * {@code artifacts} the files under it (with sizes, and SHA-256 when known). The format follows the first
 * artifact's extension: {@code .gguf}, {@code .onnx}, or {@code .safetensors}.
 *
 * <pre>{"id": "mirror-llama", "source": "http_mirror", "repo_id": "https://mirror.example.com/models/llama",
 *  "artifacts": [{"filename": "llama-Q4_K_M.gguf", "size_bytes": 807694464, "sha256": "..."}]}</pre>
 *
 * <p>The node does the transfers, so this source gets resume, parallel ranged downloads, verification, locks and
 * progress for free. A private mirror: set {@code LLMLB_HTTP_MIRROR_TOKEN} and each file is requested with
 * {@code Authorization: Bearer <token>}; the node sends it to the mirror's own scheme, host and port only (a
 * redirect elsewhere drops it) and never logs it.
 */
final class HttpMirrorSource implements ModelSource {

    /** The setting holding the mirror's token, if it needs one. */
    static final String TOKEN_SETTING = "LLMLB_HTTP_MIRROR_TOKEN";

    private final Map<String, String> headers;

    /** @param token the mirror's bearer token, if it needs one */
    HttpMirrorSource(Optional<String> token) {
        this.headers = token.filter(t -> !t.isBlank()).map(t -> Map.of("Authorization", "Bearer " + t.strip()))
                .orElse(Map.of());
    }

    @Override
    public List<String> validate(ModelSpec spec) {
        List<String> problems = new ArrayList<>();
        try {
            URI base = URI.create(spec.repoId());
            if (base.getScheme() == null || !base.getScheme().matches("https?") || base.getHost() == null) {
                problems.add("repo_id: an http_mirror entry's repo_id is the mirror's base URL, got \""
                        + spec.repoId() + "\"");
            }
        } catch (IllegalArgumentException e) {
            problems.add("repo_id: not a URL: \"" + spec.repoId() + "\"");
        }
        if (spec.artifacts().isEmpty()) {
            problems.add("artifacts: an http_mirror entry lists its files; the mirror has no listing to read");
        } else if (format(spec.artifacts().get(0).filename()) == null) {
            problems.add("artifacts[0].filename: must end with .gguf, .onnx or .safetensors");
        }
        return problems;
    }

    @Override
    public FetchPlan plan(ModelSpec spec, PlanningContext context) {
        List<RemoteFile> missing = new ArrayList<>();
        for (ArtifactSpec artifact : spec.artifacts()) {
            if (context.fetchedFile(artifact.filename()).isEmpty()) {
                missing.add(new RemoteFile(artifact.filename(), fileUri(spec.repoId(), artifact.filename()),
                        artifact.sizeBytes(), artifact.sha256(), headers));
            }
        }
        if (!missing.isEmpty()) {
            return new FetchPlan.Fetch(missing);
        }
        String first = spec.artifacts().get(0).filename();
        return new FetchPlan.Complete(format(first), Map.of(ModelFormats.ENTRY_FILE, first));
    }

    private static URI fileUri(String base, String path) {
        return URI.create(base.endsWith("/") ? base : base + "/").resolve(path);
    }

    private static String format(String filename) {
        String lower = filename.toLowerCase(Locale.ROOT);
        if (lower.endsWith(".gguf")) {
            return ModelFormats.GGUF;
        }
        if (lower.endsWith(".onnx")) {
            return ModelFormats.ONNX;
        }
        return lower.endsWith(".safetensors") ? ModelFormats.SAFETENSORS : null;
    }
}
