package dev.llmlb.source.safetensors;

import dev.llmlb.api.ModelSpec;
import dev.llmlb.api.source.ModelSourceFactory;
import dev.llmlb.testkit.hub.FakeHub;
import dev.llmlb.testkit.tck.ModelSourceContract;

import java.util.List;

/** hf_safetensors passes the contract every source plugin must. */
class HfSafetensorsSourceContractTest extends ModelSourceContract {

    @Override
    protected ModelSourceFactory factory() {
        return new HfSafetensorsSourceFactory();
    }

    @Override
    protected ModelSpec validModel(FakeHub hub) {
        hub.repo("org/tiny").file("config.json", "{\"architectures\":[\"LlamaForCausalLM\"],\"model_type\":\"llama\"}")
                .file("tokenizer.json", "{}").file("tokenizer_config.json", "{}")
                .lfsFile("model.safetensors", new byte[2048]);
        return new ModelSpec("tiny", "Tiny", "hf_safetensors", "org/tiny", null, List.of(), 0, List.of());
    }

    @Override
    protected ModelSpec invalidModel() {
        return new ModelSpec("tiny", "Tiny", "hf_safetensors", "a/b/c", null, List.of(), 0, List.of());
    }
}
