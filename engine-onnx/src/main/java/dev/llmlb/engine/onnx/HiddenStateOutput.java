package dev.llmlb.engine.onnx;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Gives a decoder graph a second output, the final hidden state, so the model can embed as llama.cpp does (the last
 * token's state after the final norm). Decoder exports (Optimum) output only {@code logits} and the KV cache; the
 * state they need is the input of the output projection, the {@code MatMul} (or {@code Gemm}) that makes
 * {@code logits}. That tensor is added as the graph output {@link #NAME} (through a {@code Cast} to float32) by
 * appending to the serialized {@code ModelProto}: protobuf merges a repeated occurrence of the {@code graph} field into
 * the first and appends its nodes and outputs, so the original bytes stay as they are and only the small addition is
 * encoded here. The bytes are loaded from a direct buffer (outside the Java heap); external weight files are found in
 * the model's folder through ONNX Runtime's {@code session.model_external_initializers_file_folder_path}.
 *
 * <p>When the projection is not a top-level node (Optimum's merged decoders compute {@code logits} inside an
 * {@code If} branch) or the file is too large for one buffer, the graph loads unchanged and the model does not embed.
 */
final class HiddenStateOutput {

    /** The output this class adds: {@code [batch, sequence, hidden]} float32, after the final norm. */
    static final String NAME = "llmlb_last_hidden_state";

    private static final System.Logger LOG = System.getLogger(HiddenStateOutput.class.getName());
    private static final Set<String> PASS_THROUGH = Set.of("Cast", "Identity");
    private static final Set<String> PROJECTIONS = Set.of("MatMul", "Gemm");

    // onnx.proto field numbers.
    private static final int MODEL_GRAPH = 7;
    private static final int GRAPH_NODE = 1;
    private static final int GRAPH_OUTPUT = 12;
    private static final int NODE_INPUT = 1;
    private static final int NODE_OUTPUT = 2;
    private static final int NODE_NAME = 3;
    private static final int NODE_OP_TYPE = 4;
    private static final int NODE_ATTRIBUTE = 5;
    private static final int ATTRIBUTE_NAME = 1;
    private static final int ATTRIBUTE_INT = 3;
    private static final int ATTRIBUTE_TYPE = 20;
    private static final int ATTRIBUTE_TYPE_INT = 2;
    private static final int VALUE_INFO_NAME = 1;
    private static final int VALUE_INFO_TYPE = 2;
    private static final int TYPE_TENSOR = 1;
    private static final int TENSOR_ELEM_TYPE = 1;
    private static final int FLOAT = 1;

    private HiddenStateOutput() {
    }

    /** A node's inputs, outputs and type, as far as the search needs them. */
    record Node(String opType, List<String> inputs) {
    }

    /**
     * Opens {@code modelFile} with {@link #NAME} added when the graph allows it; otherwise as it is.
     */
    static OrtSession createSession(OrtEnvironment environment, Path modelFile, OrtSession.SessionOptions options,
                                    String logits) throws OrtException {
        Optional<ByteBuffer> edited;
        try {
            edited = withHiddenState(modelFile, logits);
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.INFO, "{0}: cannot read the graph to expose its hidden state ({1}); the model "
                    + "will not embed", modelFile.getFileName(), e.getMessage());
            edited = Optional.empty();
        }
        if (edited.isEmpty()) {
            return environment.createSession(modelFile.toString(), options);
        }
        Path folder = modelFile.toAbsolutePath().getParent();
        options.addConfigEntry("session.model_external_initializers_file_folder_path", folder.toString());
        return environment.createSession(edited.get(), options);
    }

    /** The model's bytes with the addition, in a direct buffer; empty when the graph does not allow it. */
    static Optional<ByteBuffer> withHiddenState(Path modelFile, String logits) throws IOException {
        try (FileChannel channel = FileChannel.open(modelFile, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size > Integer.MAX_VALUE - (1 << 20)) {
                LOG.log(System.Logger.Level.INFO, "{0} is {1} bytes, more than one buffer holds: the model will not "
                        + "embed", modelFile.getFileName(), size);
                return Optional.empty();
            }
            ByteBuffer model = channel.map(FileChannel.MapMode.READ_ONLY, 0, size);
            Optional<String> hidden = hiddenState(model, logits);
            if (hidden.isEmpty()) {
                LOG.log(System.Logger.Level.INFO, "{0}: {1} is not made by a top-level MatMul or Gemm, so the hidden "
                        + "state cannot be exposed and the model will not embed", modelFile.getFileName(), logits);
                return Optional.empty();
            }
            byte[] addition = addition(hidden.get());
            ByteBuffer buffer;
            try {
                buffer = ByteBuffer.allocateDirect((int) size + addition.length);
            } catch (OutOfMemoryError e) {
                // Direct memory is capped (by default at the heap's size): a graph with its weights inside may not fit.
                LOG.log(System.Logger.Level.INFO, "{0} is {1} bytes, more direct memory than the JVM grants: the "
                        + "model will not embed (raise -XX:MaxDirectMemorySize)", modelFile.getFileName(), size);
                return Optional.empty();
            }
            buffer.put(model.duplicate().position(0));
            buffer.put(addition);
            return Optional.of(buffer.flip());
        }
    }

    /** The input of the projection that makes {@code logits}, when it is a top-level node. */
    static Optional<String> hiddenState(ByteBuffer model, String logits) {
        Map<String, Node> producers = new HashMap<>();
        ByteBuffer in = model.duplicate().position(0);
        while (in.hasRemaining()) {
            long tag = varint(in);
            if ((int) (tag >>> 3) == MODEL_GRAPH && (tag & 7) == 2) {
                ByteBuffer graph = slice(in);
                while (graph.hasRemaining()) {
                    long graphTag = varint(graph);
                    if ((int) (graphTag >>> 3) == GRAPH_NODE && (graphTag & 7) == 2) {
                        readNode(slice(graph), producers);
                    } else {
                        skip(graph, (int) (graphTag & 7));
                    }
                }
            } else {
                skip(in, (int) (tag & 7));
            }
        }
        String tensor = logits;
        for (int hops = 0; hops < 8; hops++) {
            Node node = producers.get(tensor);
            if (node == null || node.inputs().isEmpty()) {
                return Optional.empty();
            }
            if (PROJECTIONS.contains(node.opType())) {
                return Optional.of(node.inputs().get(0));
            }
            if (!PASS_THROUGH.contains(node.opType())) {
                return Optional.empty();
            }
            tensor = node.inputs().get(0);
        }
        return Optional.empty();
    }

    private static void readNode(ByteBuffer node, Map<String, Node> producers) {
        List<String> inputs = new java.util.ArrayList<>();
        List<String> outputs = new java.util.ArrayList<>();
        String opType = "";
        while (node.hasRemaining()) {
            long tag = varint(node);
            int field = (int) (tag >>> 3);
            if ((tag & 7) == 2 && (field == NODE_INPUT || field == NODE_OUTPUT || field == NODE_OP_TYPE)) {
                ByteBuffer text = slice(node);
                byte[] bytes = new byte[text.remaining()];
                text.get(bytes);
                String value = new String(bytes, StandardCharsets.UTF_8);
                switch (field) {
                    case NODE_INPUT -> inputs.add(value);
                    case NODE_OUTPUT -> outputs.add(value);
                    default -> opType = value;
                }
            } else {
                skip(node, (int) (tag & 7));
            }
        }
        Node parsed = new Node(opType, List.copyOf(inputs));
        outputs.forEach(o -> producers.put(o, parsed));
    }

    /** A {@code ModelProto} fragment: a graph with the {@code Cast} node and the output declaration. */
    static byte[] addition(String hidden) {
        ByteArrayOutputStream attribute = new ByteArrayOutputStream();
        string(attribute, ATTRIBUTE_NAME, "to");
        varintField(attribute, ATTRIBUTE_INT, FLOAT);
        varintField(attribute, ATTRIBUTE_TYPE, ATTRIBUTE_TYPE_INT);
        ByteArrayOutputStream node = new ByteArrayOutputStream();
        string(node, NODE_INPUT, hidden);
        string(node, NODE_OUTPUT, NAME);
        string(node, NODE_NAME, NAME + "_cast");
        string(node, NODE_OP_TYPE, "Cast");
        message(node, NODE_ATTRIBUTE, attribute.toByteArray());
        ByteArrayOutputStream tensorType = new ByteArrayOutputStream();
        varintField(tensorType, TENSOR_ELEM_TYPE, FLOAT);
        ByteArrayOutputStream type = new ByteArrayOutputStream();
        message(type, TYPE_TENSOR, tensorType.toByteArray());
        ByteArrayOutputStream valueInfo = new ByteArrayOutputStream();
        string(valueInfo, VALUE_INFO_NAME, NAME);
        message(valueInfo, VALUE_INFO_TYPE, type.toByteArray());
        ByteArrayOutputStream graph = new ByteArrayOutputStream();
        message(graph, GRAPH_NODE, node.toByteArray());
        message(graph, GRAPH_OUTPUT, valueInfo.toByteArray());
        ByteArrayOutputStream model = new ByteArrayOutputStream();
        message(model, MODEL_GRAPH, graph.toByteArray());
        return model.toByteArray();
    }

    private static long varint(ByteBuffer in) {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            byte b = in.get();
            value |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return value;
            }
        }
        throw new IllegalArgumentException("malformed varint");
    }

    /** The next length-delimited field's bytes, consumed from {@code in}. */
    private static ByteBuffer slice(ByteBuffer in) {
        int length = Math.toIntExact(varint(in));
        ByteBuffer out = in.slice(in.position(), length);
        in.position(in.position() + length);
        return out;
    }

    private static void skip(ByteBuffer in, int wireType) {
        switch (wireType) {
            case 0 -> varint(in);
            case 1 -> in.position(in.position() + 8);
            case 2 -> slice(in);
            case 5 -> in.position(in.position() + 4);
            default -> throw new IllegalArgumentException("unsupported wire type " + wireType);
        }
    }

    private static void writeVarint(ByteArrayOutputStream out, long value) {
        while ((value & ~0x7FL) != 0) {
            out.write((int) ((value & 0x7F) | 0x80));
            value >>>= 7;
        }
        out.write((int) value);
    }

    private static void varintField(ByteArrayOutputStream out, int field, long value) {
        writeVarint(out, (long) field << 3);
        writeVarint(out, value);
    }

    private static void message(ByteArrayOutputStream out, int field, byte[] bytes) {
        writeVarint(out, ((long) field << 3) | 2);
        writeVarint(out, bytes.length);
        out.writeBytes(bytes);
    }

    private static void string(ByteArrayOutputStream out, int field, String value) {
        message(out, field, value.getBytes(StandardCharsets.UTF_8));
    }
}
