package dev.llmlb.host.config;

import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The node's raw settings: the process environment, with {@code ~/.llmlb/.env} filling what it leaves unset.
 * Values are looked up by their environment-variable names, e.g. {@code LLMLB_PORT}.
 */
public final class Settings {

    private final Map<String, String> values;

    private Settings(Map<String, String> values) {
        this.values = Map.copyOf(values);
    }

    /** The environment over the {@code .env} values. */
    public static Settings of(Map<String, String> environment, Map<String, String> dotEnv) {
        Map<String, String> merged = new TreeMap<>(dotEnv);
        merged.putAll(environment);
        return new Settings(merged);
    }

    public Optional<String> get(String key) {
        String value = values.get(key);
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.strip());
    }

    public String get(String key, String fallback) {
        return get(key).orElse(fallback);
    }

    /** A copy with one value replaced; for tests and command-line overrides. */
    public Settings with(String key, String value) {
        Map<String, String> copy = new TreeMap<>(values);
        copy.put(key, value);
        return new Settings(copy);
    }
}
