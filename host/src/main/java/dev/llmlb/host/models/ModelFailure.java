package dev.llmlb.host.models;

/**
 * Why a model could not be made ready; kept in the status until a later attempt clears it.
 *
 * @param httpStatus the status a waiting request gets
 * @param code       the OpenAI-style code, e.g. {@code download_failed}
 * @param message    the full client-facing message, e.g. {@code Failed to download model: Network timeout}
 */
public record ModelFailure(int httpStatus, String code, String message) {
}
