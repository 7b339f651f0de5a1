package dev.llmlb.source.hf;

import java.net.URI;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code rel="next"} target of an HTTP {@code Link} header (RFC 8288), which the hub sends with a page of a
 * large listing: {@code <https://huggingface.co/api/models/o/n/tree/main?recursive=true&cursor=...>; rel="next"}.
 */
final class LinkHeader {

    private static final Pattern LINK = Pattern.compile("<([^>]*)>((?:\\s*;\\s*[^;,]*)*)");
    private static final Pattern REL = Pattern.compile("rel\\s*=\\s*\"?([^\";]*)\"?", Pattern.CASE_INSENSITIVE);

    private LinkHeader() {
    }

    /** The next page's URI, resolved against {@code base}, when the header names one. */
    static Optional<URI> next(String header, URI base) {
        if (header == null) {
            return Optional.empty();
        }
        Matcher link = LINK.matcher(header);
        while (link.find()) {
            Matcher rel = REL.matcher(link.group(2));
            while (rel.find()) {
                for (String value : rel.group(1).trim().split("\\s+")) {
                    if (value.toLowerCase(Locale.ROOT).equals("next")) {
                        try {
                            return Optional.of(base.resolve(link.group(1).trim()));
                        } catch (IllegalArgumentException e) {
                            return Optional.empty();
                        }
                    }
                }
            }
        }
        return Optional.empty();
    }
}
