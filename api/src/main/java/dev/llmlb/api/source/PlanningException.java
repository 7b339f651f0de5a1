package dev.llmlb.api.source;

import dev.llmlb.api.LlmlbException;

/**
 * A model cannot be fetched as planned: the repository lacks a required file, cannot be read, or the hub
 * refused. The host reports it to clients as {@code download_failed}.
 */
public class PlanningException extends LlmlbException {

    public PlanningException(String message) {
        super(message);
    }

    public PlanningException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public String code() {
        return "download_failed";
    }
}
