package dev.llmlb.engine.djl;

import dev.llmlb.api.PluginContext;
import dev.llmlb.api.engine.InferenceEngineFactory;
import dev.llmlb.api.engine.LocalModel;
import dev.llmlb.testkit.models.SafetensorsWriter;
import dev.llmlb.testkit.models.TinyLlamaConfig;
import dev.llmlb.testkit.models.TinyLlamaWeights;
import dev.llmlb.testkit.tck.InferenceEngineContract;

import java.nio.file.Path;

/** djl passes the contract every engine plugin must. */
class DjlEngineContractTest extends InferenceEngineContract {

    @Override
    protected InferenceEngineFactory factory() {
        return new DjlEngineFactory();
    }

    @Override
    protected PluginContext context() {
        return TestModels.context(folder);
    }

    @Override
    protected LocalModel writeModel(Path folder) {
        Path repo = new SafetensorsWriter(TinyLlamaWeights.generate(TinyLlamaConfig.tiny()))
                .writeRepo(folder.resolve("tiny"));
        return TestModels.local(repo, "LlamaForCausalLM");
    }
}
