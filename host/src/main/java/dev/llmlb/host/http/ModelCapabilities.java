package dev.llmlb.host.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmlb.api.ModelSpec;
import dev.llmlb.api.engine.LoadedModel;
import dev.llmlb.api.engine.ModelInfo;
import dev.llmlb.host.failure.Failure;
import dev.llmlb.host.failure.FailureException;

import java.util.Optional;
import java.util.Set;

/**
 * What a model can be asked to do, as model listings show it ({@code capabilities}: {@code completion} for chat and
 * text completions, {@code embedding} for {@code /v1/embeddings}, the words Ollama uses), and the refusal of a
 * generation request to a model that only embeds.
 */
final class ModelCapabilities {

    private ModelCapabilities() {
    }

    /** Adds {@code capabilities} to a model object when they are known (the model is on disk). */
    static void put(ObjectNode model, Optional<Set<ModelInfo.Capability>> capabilities) {
        capabilities.ifPresent(known -> {
            ArrayNode list = model.putArray("capabilities");
            if (known.contains(ModelInfo.Capability.GENERATE)) {
                list.add("completion");
            }
            if (known.contains(ModelInfo.Capability.EMBED)) {
                list.add("embedding");
            }
        });
    }

    /** @throws FailureException 400 when the loaded model does not generate text (an embedding model) */
    static void requireGeneration(ModelSpec spec, LoadedModel model) {
        if (!model.info().supportsGeneration()) {
            throw new Failure(Failure.Kind.INVALID_INPUT, "model_not_generative", "Model '" + spec.id()
                    + "' is an embedding model: it does not generate text. Use /v1/embeddings.", "model", 0)
                    .exception();
        }
    }
}
