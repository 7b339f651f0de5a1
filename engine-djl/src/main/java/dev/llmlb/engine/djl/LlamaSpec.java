package dev.llmlb.engine.djl;

import dev.llmlb.api.engine.EngineException;
import dev.llmlb.engine.hf.HfConfig;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The decoder shape of a Llama-family model, from {@code config.json}: the architectures this engine runs and the
 * numbers its forward pass needs, rotary frequencies included.
 *
 * @param architecture   the {@code architectures} entry this engine recognised
 * @param trainedContext {@code max_position_embeddings}, capped by a Mistral-style sliding window (the engine attends
 *                       to every position, which equals sliding-window attention only within the window)
 */
record LlamaSpec(String architecture, int hidden, int layers, int heads, int kvHeads, int headDim, int intermediate,
                 int vocab, double rmsEps, boolean tiedEmbeddings, double[] inverseFrequency, int trainedContext) {

    /** The architectures of the Llama decoder: Qwen2 adds q/k/v biases, Mistral is Llama with its own name. */
    static final List<String> SUPPORTED = List.of("LlamaForCausalLM", "Qwen2ForCausalLM", "MistralForCausalLM");

    /** Why this engine cannot run a model with {@code config}; empty when it can. */
    static Optional<String> unsupportedReason(HfConfig config) {
        List<String> architectures = config.architectures();
        if (architectures.isEmpty()) {
            return Optional.of("config.json names no architecture; engine djl runs " + String.join(", ", SUPPORTED));
        }
        if (architectures.stream().noneMatch(SUPPORTED::contains)) {
            return Optional.of("architecture " + String.join(", ", architectures) + " is not supported by engine djl "
                    + "(it runs " + String.join(", ", SUPPORTED) + ")");
        }
        Optional<Map<String, Object>> scaling = config.object("rope_scaling");
        if (scaling.isPresent()) {
            String type = ropeType(scaling.get());
            if (!List.of("default", "linear", "llama3").contains(type)) {
                return Optional.of("rope_scaling type " + type + " is not supported by engine djl (it supports "
                        + "default, linear and llama3)");
            }
        }
        return Optional.empty();
    }

    static LlamaSpec from(HfConfig config) {
        unsupportedReason(config).ifPresent(reason -> {
            throw new EngineException(reason);
        });
        String architecture = config.architectures().stream().filter(SUPPORTED::contains).findFirst().orElseThrow();
        int headDim = config.headDim();
        if (headDim % 2 != 0) {
            throw new EngineException("head_dim " + headDim + " is odd; rotary embeddings need an even size");
        }
        double[] inverse = new double[headDim / 2];
        for (int i = 0; i < inverse.length; i++) {
            inverse[i] = Math.pow(config.ropeTheta(), -2.0 * i / headDim);
        }
        config.object("rope_scaling").ifPresent(s -> scale(inverse, s));
        int trained = config.maxPositionEmbeddings().orElse(2048);
        OptionalInt window = config.integer("sliding_window");
        boolean slidingUsed = architecture.equals("MistralForCausalLM")
                || config.bool("use_sliding_window").orElse(false);
        if (slidingUsed && window.isPresent() && window.getAsInt() > 0) {
            trained = Math.min(trained, window.getAsInt());
        }
        // transformers ties by default; Llama, Qwen2 and Mistral configs write the flag explicitly.
        return new LlamaSpec(architecture, config.hiddenSize(), config.numHiddenLayers(), config.numAttentionHeads(),
                config.numKeyValueHeads(), headDim, config.intermediateSize(), config.vocabSize(),
                config.rmsNormEps(), config.tieWordEmbeddings(false), inverse, trained);
    }

    private static String ropeType(Map<String, Object> scaling) {
        Object type = scaling.getOrDefault("rope_type", scaling.get("type"));
        return type == null ? "default" : type.toString();
    }

    /** transformers' rope initialisation for {@code linear} and {@code llama3}. */
    private static void scale(double[] inverse, Map<String, Object> scaling) {
        String type = ropeType(scaling);
        if (type.equals("default")) {
            return;
        }
        double factor = number(scaling, "factor");
        if (type.equals("linear")) {
            for (int i = 0; i < inverse.length; i++) {
                inverse[i] /= factor;
            }
            return;
        }
        double low = number(scaling, "low_freq_factor");
        double high = number(scaling, "high_freq_factor");
        double original = number(scaling, "original_max_position_embeddings");
        double lowFreqWavelength = original / low;
        double highFreqWavelength = original / high;
        for (int i = 0; i < inverse.length; i++) {
            double wavelength = 2 * Math.PI / inverse[i];
            if (wavelength > lowFreqWavelength) {
                inverse[i] /= factor;
            } else if (wavelength >= highFreqWavelength) {
                double smooth = (original / wavelength - low) / (high - low);
                inverse[i] = (1 - smooth) * inverse[i] / factor + smooth * inverse[i];
            }
        }
    }

    private static double number(Map<String, Object> scaling, String key) {
        if (scaling.get(key) instanceof Number n) {
            return n.doubleValue();
        }
        throw new EngineException("rope_scaling has no number " + key);
    }

    int kvDim() {
        return kvHeads * headDim;
    }

    int queryDim() {
        return heads * headDim;
    }

    /** Bytes of the F32 key and value cache for {@code context} positions. */
    long kvCacheBytes(int context) {
        return 2L * layers * context * kvDim() * Float.BYTES;
    }
}
