package org.example.mirror;

import dev.llmlb.api.ArtifactSpec;
import dev.llmlb.api.ModelSpec;
import dev.llmlb.api.source.ModelSourceFactory;
import dev.llmlb.testkit.hub.FakeHub;
import dev.llmlb.testkit.tck.ModelSourceContract;

import java.util.List;

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
}
