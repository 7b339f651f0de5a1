package dev.llmlb.source.hf;

import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

class LinkHeaderTest {

    private static final URI BASE = URI.create("https://huggingface.co/api/models/o/n/tree/main?recursive=true");

    @Test
    void findsTheNextPageAsTheHubWritesIt() {
        assertEquals(Optional.of(URI.create("https://huggingface.co/api/models/o/n/tree/main?recursive=true&cursor=x")),
                LinkHeader.next("<https://huggingface.co/api/models/o/n/tree/main?recursive=true&cursor=x>; "
                        + "rel=\"next\"", BASE));
    }

    @Test
    void picksNextAmongOtherRelationsAndResolvesRelativeTargets() {
        assertEquals(Optional.of(URI.create("https://huggingface.co/api/models/o/n/tree/main?cursor=2")),
                LinkHeader.next("</first>; rel=\"first\", </api/models/o/n/tree/main?cursor=2>; rel=\"prev next\"",
                        BASE));
        assertEquals(Optional.of(URI.create("https://huggingface.co/p2")), LinkHeader.next("</p2>;rel=next", BASE));
    }

    @Test
    void noNextMeansTheLastPage() {
        assertEquals(Optional.empty(), LinkHeader.next(null, BASE));
        assertEquals(Optional.empty(), LinkHeader.next("</first>; rel=\"first\"", BASE));
        assertEquals(Optional.empty(), LinkHeader.next("garbage", BASE));
    }
}
