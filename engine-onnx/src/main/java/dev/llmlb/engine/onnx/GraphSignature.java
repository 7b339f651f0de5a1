package dev.llmlb.engine.onnx;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.TensorInfo;
import ai.onnxruntime.ValueInfo;
import dev.llmlb.api.engine.EngineException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The decoder signature of a graph, checked against {@code config.json}: which optional inputs it takes and the
 * element types to feed. Decoders exported by HuggingFace Optimum take {@code input_ids}, {@code attention_mask},
 * often {@code position_ids}, {@code past_key_values.N.key/value} for every layer (merged decoders also
 * {@code use_cache_branch}), and give {@code logits} and {@code present.N.key/value}.
 *
 * @param idType         element type of {@code input_ids}, {@code attention_mask} and {@code position_ids}
 * @param positionIds    whether the graph takes {@code position_ids}
 * @param useCacheBranch whether the graph takes {@code use_cache_branch}
 * @param kvType         element type of the KV cache
 */
public record GraphSignature(OnnxJavaType idType, boolean positionIds, boolean useCacheBranch, OnnxJavaType kvType) {

    public static final String INPUT_IDS = "input_ids";
    public static final String ATTENTION_MASK = "attention_mask";
    public static final String POSITION_IDS = "position_ids";
    public static final String USE_CACHE_BRANCH = "use_cache_branch";
    public static final String LOGITS = "logits";

    private static final Pattern PAST = Pattern.compile("past_key_values\\.(\\d+)\\.(key|value)");
    private static final int SHOWN = 6;

    public static String pastKey(int layer) {
        return "past_key_values." + layer + ".key";
    }

    public static String pastValue(int layer) {
        return "past_key_values." + layer + ".value";
    }

    public static String presentKey(int layer) {
        return "present." + layer + ".key";
    }

    public static String presentValue(int layer) {
        return "present." + layer + ".value";
    }

    /**
     * Checks a graph's inputs and outputs against the decoder signature and {@code config}.
     *
     * @param model a name for the graph in messages, such as {@code onnx/model.onnx}
     * @throws EngineException naming every missing, unexpected or mis-shaped input and output
     */
    public static GraphSignature check(String model, Map<String, NodeInfo> inputs, Map<String, NodeInfo> outputs,
                                       DecoderConfig config) {
        List<String> problems = new ArrayList<>();
        List<String> missingInputs = new ArrayList<>();
        List<String> missingOutputs = new ArrayList<>();
        for (String name : List.of(INPUT_IDS, ATTENTION_MASK)) {
            if (!inputs.containsKey(name)) {
                missingInputs.add(name);
            }
        }
        if (!outputs.containsKey(LOGITS)) {
            missingOutputs.add(LOGITS);
        }
        for (int l = 0; l < config.layers(); l++) {
            for (String name : List.of(pastKey(l), pastValue(l))) {
                if (!inputs.containsKey(name)) {
                    missingInputs.add(name);
                }
            }
            for (String name : List.of(presentKey(l), presentValue(l))) {
                if (!outputs.containsKey(name)) {
                    missingOutputs.add(name);
                }
            }
        }
        if (!missingInputs.isEmpty()) {
            problems.add("missing inputs " + shortList(missingInputs));
        }
        if (!missingOutputs.isEmpty()) {
            problems.add("missing outputs " + shortList(missingOutputs));
        }
        if (inputs.keySet().stream().noneMatch(name -> PAST.matcher(name).matches())) {
            problems.add("the graph has no KV cache: export it with past key values (for example "
                    + "optimum-cli export onnx --task text-generation-with-past)");
        }

        Set<String> unknown = new LinkedHashSet<>();
        int graphLayers = 0;
        for (String name : inputs.keySet()) {
            Matcher m = PAST.matcher(name);
            if (m.matches()) {
                graphLayers = Math.max(graphLayers, Integer.parseInt(m.group(1)) + 1);
            } else if (!Set.of(INPUT_IDS, ATTENTION_MASK, POSITION_IDS, USE_CACHE_BRANCH).contains(name)) {
                unknown.add(name);
            }
        }
        if (graphLayers > config.layers()) {
            problems.add("the graph has a KV cache for " + graphLayers + " layers but config.json says "
                    + "num_hidden_layers=" + config.layers());
        }
        if (!unknown.isEmpty()) {
            problems.add("inputs the onnx engine cannot feed: " + shortList(new ArrayList<>(unknown)));
        }

        OnnxJavaType idType = elementType(inputs.get(INPUT_IDS));
        if (idType != null && idType != OnnxJavaType.INT64 && idType != OnnxJavaType.INT32) {
            problems.add("input_ids is " + idType + ", expected int64 or int32");
        }
        OnnxJavaType maskType = elementType(inputs.get(ATTENTION_MASK));
        if (idType != null && maskType != null && maskType != idType) {
            problems.add("attention_mask is " + maskType + " but input_ids is " + idType);
        }
        OnnxJavaType positionType = elementType(inputs.get(POSITION_IDS));
        if (idType != null && positionType != null && positionType != idType) {
            problems.add("position_ids is " + positionType + " but input_ids is " + idType);
        }
        OnnxJavaType kvType = null;
        if (missingInputs.stream().noneMatch(n -> n.startsWith("past_key_values."))) {
            for (int l = 0; l < config.layers(); l++) {
                for (String name : List.of(pastKey(l), pastValue(l))) {
                    kvType = checkCache(name, inputs.get(name), config, kvType, problems);
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new EngineException(model + " does not have the decoder signature the onnx engine runs ("
                    + "inputs input_ids, attention_mask, optional position_ids, past_key_values.N.key/value for N < "
                    + config.layers() + "; outputs logits, present.N.key/value): " + String.join("; ", problems));
        }
        return new GraphSignature(idType, inputs.containsKey(POSITION_IDS), inputs.containsKey(USE_CACHE_BRANCH),
                kvType);
    }

    /** Checks one cache input: float or float16, {@code [batch, kv_heads, past, head_dim]}, one type for all. */
    private static OnnxJavaType checkCache(String name, NodeInfo info, DecoderConfig config, OnnxJavaType seen,
                                           List<String> problems) {
        if (!(info.getInfo() instanceof TensorInfo tensor)) {
            problems.add(name + " is not a tensor");
            return seen;
        }
        if (tensor.type != OnnxJavaType.FLOAT && tensor.type != OnnxJavaType.FLOAT16) {
            problems.add(name + " is " + tensor.type + ", expected float or float16");
            return seen;
        }
        if (seen != null && tensor.type != seen) {
            problems.add(name + " is " + tensor.type + " but other cache inputs are " + seen);
        }
        long[] shape = tensor.getShape();
        if (shape.length != 4) {
            problems.add(name + " has shape " + Arrays.toString(shape) + ", expected [batch, kv_heads, past, "
                    + "head_dim]");
        } else if ((shape[1] > 0 && shape[1] != config.kvHeads()) || (shape[3] > 0 && shape[3] != config.headDim())) {
            problems.add(name + " has " + shape[1] + " heads of " + shape[3] + " but config.json says "
                    + "num_key_value_heads=" + config.kvHeads() + ", head_dim=" + config.headDim());
        }
        return seen == null ? tensor.type : seen;
    }

    private static OnnxJavaType elementType(NodeInfo info) {
        if (info == null) {
            return null;
        }
        ValueInfo value = info.getInfo();
        return value instanceof TensorInfo tensor ? tensor.type : OnnxJavaType.UNKNOWN;
    }

    private static String shortList(List<String> names) {
        if (names.size() <= SHOWN) {
            return String.join(", ", names);
        }
        return String.join(", ", names.subList(0, SHOWN)) + " and " + (names.size() - SHOWN) + " more";
    }
}
