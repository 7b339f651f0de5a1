package dev.llmlb.host.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.llmlb.host.failure.Failure;
import dev.llmlb.host.failure.FailureException;
import dev.llmlb.host.json.Json;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** Reads JSON request bodies with a size limit, turning every way a body can be wrong into a 4xx. */
public final class RequestBodies {

    private final long maxBytes;

    public RequestBodies(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    /** The body as a JSON object. */
    public JsonNode readObject(ServerRequest req) {
        byte[] body = read(req);
        if (body.length == 0) {
            throw FailureException.invalid(null, "The request body is empty; send a JSON object.");
        }
        JsonNode node;
        try {
            node = Json.mapper().readTree(body);
        } catch (JsonProcessingException e) {
            var at = e.getLocation();
            String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
            throw new Failure(Failure.Kind.INVALID_INPUT, "invalid_json",
                    "We could not parse the JSON body of your request" + where + ": " + e.getOriginalMessage())
                    .exception();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (node == null || !node.isObject()) {
            throw FailureException.invalid(null, "The request body must be a JSON object.");
        }
        return node;
    }

    private byte[] read(ServerRequest req) {
        long declared = req.headers().first(HeaderNames.CONTENT_LENGTH).map(Long::parseLong).orElse(-1L);
        if (declared > maxBytes) {
            throw tooLarge();
        }
        try (InputStream in = req.content().inputStream()) {
            byte[] body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
            if (body.length > maxBytes) {
                throw tooLarge();
            }
            return body;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private FailureException tooLarge() {
        return new Failure(Failure.Kind.TOO_LARGE, "request_too_large",
                "The request body is larger than " + maxBytes + " bytes (LLMLB_MAX_BODY_BYTES).").exception();
    }
}
