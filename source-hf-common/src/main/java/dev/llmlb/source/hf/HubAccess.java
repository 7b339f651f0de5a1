package dev.llmlb.source.hf;

import dev.llmlb.api.PluginContext;

import java.net.URI;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Where the HuggingFace hub is and how to authenticate to it, as every HuggingFace source reads it from the node's
 * settings when it is created: {@code HF_ENDPOINT} (default {@code https://huggingface.co}, or a mirror) and
 * {@code HF_TOKEN}. The token goes only to the endpoint's own origin (scheme, host and port), as a request header
 * of each planned file and listing; the node drops it on a redirect to a CDN.
 *
 * @param endpoint the hub, without a trailing slash; a mirror may sit under a path prefix
 * @param token    the token for private and gated repositories
 */
public record HubAccess(URI endpoint, Optional<String> token) {

    /** The hub when {@code HF_ENDPOINT} is not set. */
    public static final URI DEFAULT_ENDPOINT = URI.create("https://huggingface.co");
    public static final String ENDPOINT_SETTING = "HF_ENDPOINT";
    public static final String TOKEN_SETTING = "HF_TOKEN";

    public HubAccess {
        Objects.requireNonNull(endpoint, "endpoint");
        String text = endpoint.toString();
        while (text.endsWith("/")) {
            text = text.substring(0, text.length() - 1);
        }
        endpoint = URI.create(text);
        if (endpoint.getScheme() == null || !endpoint.getScheme().matches("(?i)https?") || endpoint.getHost() == null) {
            throw new IllegalArgumentException(ENDPOINT_SETTING + " must be an http(s) URL such as "
                    + DEFAULT_ENDPOINT);
        }
        token = token == null ? Optional.empty() : token.filter(t -> !t.isBlank()).map(String::strip);
    }

    /** A hub without a token. */
    public static HubAccess of(URI endpoint) {
        return new HubAccess(endpoint, Optional.empty());
    }

    /** The hub and token the node's settings name. */
    public static HubAccess from(PluginContext context) {
        URI endpoint = context.setting(ENDPOINT_SETTING).filter(v -> !v.isBlank()).map(String::strip)
                .map(URI::create).orElse(DEFAULT_ENDPOINT);
        return new HubAccess(endpoint, context.setting(TOKEN_SETTING));
    }

    /** The headers a request to {@code uri} carries: the token, when there is one and {@code uri} is the hub's. */
    public Map<String, String> headersFor(URI uri) {
        return token.isPresent() && sameOrigin(uri) ? Map.of("Authorization", "Bearer " + token.get()) : Map.of();
    }

    private boolean sameOrigin(URI uri) {
        return uri.getScheme() != null && uri.getHost() != null
                && endpoint.getScheme().equalsIgnoreCase(uri.getScheme())
                && endpoint.getHost().equalsIgnoreCase(uri.getHost()) && port(endpoint) == port(uri);
    }

    private static int port(URI uri) {
        return uri.getPort() >= 0 ? uri.getPort() : "https".equals(uri.getScheme().toLowerCase(Locale.ROOT)) ? 443 : 80;
    }

    /** Never shows the token. */
    @Override
    public String toString() {
        return "HubAccess[endpoint=" + endpoint + ", token=" + (token.isPresent() ? "(set)" : "(none)") + "]";
    }
}
