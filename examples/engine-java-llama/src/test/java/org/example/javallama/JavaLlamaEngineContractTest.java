package org.example.javallama;

import dev.llmlb.api.engine.InferenceEngineFactory;
import dev.llmlb.api.engine.LocalModel;
import dev.llmlb.testkit.models.TinyLlamaConfig;
import dev.llmlb.testkit.models.TinyLlamaWeights;
import dev.llmlb.testkit.tck.InferenceEngineContract;

import java.nio.file.Path;

/** The example engine passes the contract every engine plugin must, on the testkit's tiny Llama as GGUF. */
class JavaLlamaEngineContractTest extends InferenceEngineContract {

    @Override
    protected InferenceEngineFactory factory() {
        return new JavaLlamaEngineFactory();
    }

    @Override
    protected LocalModel writeModel(Path folder) {
        return TinyGguf.write(TinyLlamaWeights.generate(TinyLlamaConfig.tiny()), folder);
    }
}
