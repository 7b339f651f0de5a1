package dev.llmlb.api.source;

import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A small document the node read for a source (a file listing, an index), with the response headers a source may
 * need to read on, e.g. {@code Link} for the next page of a listing.
 *
 * @param uri     where the document came from after redirects; relative links resolve against it
 * @param text    the body as UTF-8 text
 * @param headers the response's headers, names in lower case
 */
public record RemoteDocument(URI uri, String text, Map<String, List<String>> headers) {

    public RemoteDocument {
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(text, "text");
        Map<String, List<String>> lower = new TreeMap<>();
        if (headers != null) {
            headers.forEach((name, values) -> lower.computeIfAbsent(name.toLowerCase(Locale.ROOT),
                    n -> new java.util.ArrayList<>()).addAll(values));
        }
        lower.replaceAll((name, values) -> List.copyOf(values));
        headers = Map.copyOf(lower);
    }

    /** A document without headers. */
    public RemoteDocument(URI uri, String text) {
        this(uri, text, Map.of());
    }

    /** The first value of header {@code name}, compared ignoring case. */
    public Optional<String> header(String name) {
        List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
    }
}
