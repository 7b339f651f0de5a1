package dev.llmlb.source.hf;

import dev.llmlb.testkit.tck.TestPluginContext;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

class HubAccessTest {

    @Test
    void readsTheEndpointAndTokenFromTheNodesSettings() {
        HubAccess hub = HubAccess.from(new TestPluginContext(Map.of("HF_ENDPOINT", "http://mirror.local:8000/",
                "HF_TOKEN", "hf_abc"), Path.of("."), false));
        assertEquals(URI.create("http://mirror.local:8000"), hub.endpoint());
        assertEquals(Optional.of("hf_abc"), hub.token());
        assertEquals(Map.of("Authorization", "Bearer hf_abc"),
                hub.headersFor(URI.create("http://mirror.local:8000/api/models/o/n")));
    }

    @Test
    void defaultsToHuggingFaceWithoutAToken() {
        HubAccess hub = HubAccess.from(new TestPluginContext(Map.of(), Path.of("."), false));
        assertEquals(URI.create("https://huggingface.co"), hub.endpoint());
        assertEquals(Map.of(), hub.headersFor(URI.create("https://huggingface.co/o/n/resolve/main/a")));
    }
}
