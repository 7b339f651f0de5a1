package dev.llmlb.host.metrics;

import java.util.regex.Pattern;

/** Turns request paths into route labels with few values: model ids become {@code {id}}, unknown paths "other". */
public final class Routes {

    private static final Pattern MODEL_SUB = Pattern.compile("^/v0/models/[^/]+/([a-z]+)$");
    private static final Pattern MODEL = Pattern.compile("^/v[01]/models/[^/]+$");
    private static final java.util.Set<String> FIXED = java.util.Set.of("/health", "/ready", "/metrics",
            "/v1/models", "/v1/chat/completions", "/v1/completions", "/v1/embeddings", "/v0/supported-models",
            "/v0/plugins", "/v0/health", "/v0/system");

    private Routes() {
    }

    public static String of(String path) {
        if (FIXED.contains(path)) {
            return path;
        }
        var sub = MODEL_SUB.matcher(path);
        if (sub.matches()) {
            return "/v0/models/{id}/" + sub.group(1);
        }
        if (MODEL.matcher(path).matches()) {
            return path.substring(0, 3) + "/models/{id}";
        }
        return "other";
    }
}
