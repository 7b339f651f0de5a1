package dev.llmlb.source.gguf;

import dev.llmlb.api.ArtifactSpec;
import dev.llmlb.api.ModelSpec;
import dev.llmlb.api.source.ModelSourceFactory;
import dev.llmlb.testkit.hub.FakeHub;
import dev.llmlb.testkit.tck.ModelSourceContract;

import java.util.List;

/** hf_gguf passes the contract every source plugin must. */
class HfGgufSourceContractTest extends ModelSourceContract {

    @Override
    protected ModelSourceFactory factory() {
        return new HfGgufSourceFactory();
    }

    @Override
    protected ModelSpec validModel(FakeHub hub) {
        hub.repo("org/tiny-GGUF").lfsFile("tiny-Q4_K_M.gguf", new byte[4096]).file("README.md", "# tiny");
        return new ModelSpec("tiny", "Tiny", "hf_gguf", "org/tiny-GGUF", null,
                List.of(new ArtifactSpec("tiny-Q4_K_M.gguf", 4096)), 0, List.of());
    }

    @Override
    protected ModelSpec invalidModel() {
        return new ModelSpec("tiny", "Tiny", "hf_gguf", "not a repo", null,
                List.of(new ArtifactSpec("weights.bin", 10)), 0, List.of());
    }
}
