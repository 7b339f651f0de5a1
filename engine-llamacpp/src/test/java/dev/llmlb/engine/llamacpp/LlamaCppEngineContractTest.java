package dev.llmlb.engine.llamacpp;

import dev.llmlb.api.engine.InferenceEngineFactory;
import dev.llmlb.api.engine.LocalModel;
import dev.llmlb.testkit.models.GgufWriter;
import dev.llmlb.testkit.models.TinyLlamaConfig;
import dev.llmlb.testkit.models.TinyLlamaWeights;
import dev.llmlb.testkit.tck.InferenceEngineContract;

import java.nio.file.Path;

/** llamacpp passes the contract every engine plugin must. */
class LlamaCppEngineContractTest extends InferenceEngineContract {

    @Override
    protected InferenceEngineFactory factory() {
        return new LlamaCppEngineFactory();
    }

    @Override
    protected LocalModel writeModel(Path folder) {
        return TinyModels.write(new GgufWriter(TinyLlamaWeights.generate(TinyLlamaConfig.tiny())), folder, "tiny");
    }
}
