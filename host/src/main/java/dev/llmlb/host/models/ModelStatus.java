package dev.llmlb.host.models;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.llmlb.api.ModelSpec;
import dev.llmlb.api.engine.LocalModel;

import java.nio.file.Path;
import java.util.Optional;

/**
 * The body of {@code GET /v0/models/{id}/status}. {@code model_id}, {@code status}, {@code progress},
 * {@code downloaded_bytes} and {@code total_bytes} are always there, as the user's document shows them.
 *
 * @param running           generations running on the model, when it is loaded
 * @param parallelSequences how many may run at once, when it is loaded
 * @param queued            requests waiting for it, when any
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ModelStatus(String modelId, String status, double progress, long downloadedBytes, long totalBytes,
                          String localPath, String errorMessage, String errorCode, String engine, String device,
                          Long requiredVramMb, Long memoryBytes, Integer running, Integer parallelSequences,
                          Integer queued) {

    /**
     * The status of a model that no node serves here, from its files alone ({@code local} or {@code not_downloaded}):
     * what the command line shows when no node runs.
     */
    public static ModelStatus onDisk(ModelSpec spec, Optional<LocalModel> local, Path folder) {
        long total = local.map(LocalModel::totalBytes).orElse(0L);
        return new ModelStatus(spec.id(), (local.isPresent() ? ModelState.LOCAL : ModelState.NOT_DOWNLOADED).wireName(),
                local.isPresent() ? 1.0 : 0.0, total, total,
                local.map(l -> l.directory().toString()).orElse(folder.toString()), null, null, null, null,
                spec.requiredVramMb() > 0 ? spec.requiredVramMb() : null, null, null, null, null);
    }
}
