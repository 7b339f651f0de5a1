package org.example.mirror;

import dev.llmlb.api.ArtifactSpec;
import dev.llmlb.api.ModelSpec;
import dev.llmlb.api.source.ModelSource;
import dev.llmlb.api.source.ModelSourceFactory;
import dev.llmlb.testkit.hub.FakeHub;
import dev.llmlb.testkit.source.PlanRunner;
import dev.llmlb.testkit.tck.ModelSourceContract;
import dev.llmlb.testkit.tck.TestPluginContext;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The example plugin passes the node's source contract, as a third-party plugin should. */
class HttpMirrorSourceTest extends ModelSourceContract {

    @Override
    protected ModelSourceFactory factory() {
        return new HttpMirrorSourceFactory();
    }

    @Override
    protected ModelSpec validModel(FakeHub hub) {
        hub.repo("mirror/llama").lfsFile("llama-Q4_K_M.gguf", new byte[2048]);
        return new ModelSpec("mirror-llama", "Llama from a mirror", "http_mirror",
                hub.endpoint() + "/mirror/llama/resolve/main", null,
                List.of(new ArtifactSpec("llama-Q4_K_M.gguf", 2048)), 0, List.of());
    }

    @Override
    protected ModelSpec invalidModel() {
        return new ModelSpec("bad", "bad", "http_mirror", "ftp://nowhere", null,
                List.of(new ArtifactSpec("weights.bin", 10)), 0, List.of());
    }

    @Override
    protected boolean readsTheRepository() {
        return false;
    }

    @Test
    void aPrivateMirrorGetsItsTokenAndTheCdnItRedirectsToDoesNot() {
        hub.repo("mirror/private").lfsFile("p.gguf", new byte[512]).requireToken("mirror-secret");
        ModelSpec spec = new ModelSpec("private", "Private", "http_mirror",
                hub.endpoint() + "/mirror/private/resolve/main", null, List.of(new ArtifactSpec("p.gguf", 512)), 0,
                List.of());
        ModelSource withToken = factory().create(new TestPluginContext(Map.of("LLMLB_HTTP_MIRROR_TOKEN",
                "mirror-secret"), folder, false));
        PlanRunner.Result result = new PlanRunner().run(withToken, spec, folder.resolve("with"));
        assertEquals(List.of("p.gguf"), result.paths());
        assertEquals(0, hub.authorizationHeadersSeenByCdn());
        assertFalse(result.steps().get(0).get(0).toString().contains("mirror-secret"), "never shown");
        ModelSource without = factory().create(new TestPluginContext(Map.of(), folder, false));
        assertThrows(AssertionError.class, () -> new PlanRunner().run(without, spec, folder.resolve("without")),
                "the mirror refuses a request without the token");
    }
}
