package dev.llmlb.host.models;

import com.fasterxml.jackson.annotation.JsonInclude;

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
}
