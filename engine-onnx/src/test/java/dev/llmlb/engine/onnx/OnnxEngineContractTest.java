package dev.llmlb.engine.onnx;

import dev.llmlb.api.PluginContext;
import dev.llmlb.api.engine.InferenceEngineFactory;
import dev.llmlb.api.engine.LocalModel;
import dev.llmlb.testkit.models.OnnxWriter;
import dev.llmlb.testkit.models.TinyLlamaConfig;
import dev.llmlb.testkit.models.TinyLlamaWeights;
import dev.llmlb.testkit.tck.InferenceEngineContract;

import java.nio.file.Path;
import java.util.Map;

/** The node's contract for every engine, on a generated ONNX repo with external data. */
class OnnxEngineContractTest extends InferenceEngineContract {

    @Override
    protected InferenceEngineFactory factory() {
        return new OnnxEngineFactory();
    }

    @Override
    protected PluginContext context() {
        return TestRepos.context(folder, Map.of());
    }

    @Override
    protected LocalModel writeModel(Path folder) {
        Path repo = folder.resolve("tiny-onnx");
        new OnnxWriter(TinyLlamaWeights.generate(TinyLlamaConfig.tiny())).externalData(true).writeRepo(repo);
        return TestRepos.local(repo);
    }
}
