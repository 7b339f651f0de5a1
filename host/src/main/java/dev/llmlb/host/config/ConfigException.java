package dev.llmlb.host.config;

import java.util.List;

/**
 * The node cannot start with its configuration. Carries every problem found, not just the first, so an operator
 * fixes them all in one go.
 */
public final class ConfigException extends RuntimeException {

    private final List<String> problems;

    public ConfigException(List<String> problems) {
        super(String.join(System.lineSeparator(), problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
