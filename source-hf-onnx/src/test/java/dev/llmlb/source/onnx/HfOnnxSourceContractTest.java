package dev.llmlb.source.onnx;

import dev.llmlb.api.ModelSpec;
import dev.llmlb.api.source.ModelSourceFactory;
import dev.llmlb.testkit.hub.FakeHub;
import dev.llmlb.testkit.tck.ModelSourceContract;

import java.util.List;

/** hf_onnx passes the contract every source plugin must. */
class HfOnnxSourceContractTest extends ModelSourceContract {

    @Override
    protected ModelSourceFactory factory() {
        return new HfOnnxSourceFactory();
    }

    @Override
    protected ModelSpec validModel(FakeHub hub) {
        hub.repo("org/tiny-onnx").file("config.json", "{\"architectures\":[\"LlamaForCausalLM\"]}")
                .file("tokenizer.json", "{}").file("tokenizer_config.json", "{}")
                .lfsFile("onnx/model.onnx", new byte[1024]).lfsFile("onnx/model.onnx_data", new byte[4096]);
        return new ModelSpec("tiny", "Tiny", "hf_onnx", "org/tiny-onnx", null, List.of(), 0, List.of());
    }

    @Override
    protected ModelSpec invalidModel() {
        return new ModelSpec("tiny", "Tiny", "hf_onnx", "", null, List.of(), 0, List.of());
    }
}
