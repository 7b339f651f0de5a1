package dev.llmlb.testkit.models;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * An ONNX graph under construction, written as a {@code ModelProto} with field numbers from {@code onnx.proto}.
 * Weights are kept as Java arrays until {@link #write}, which either embeds them as {@code raw_data} or puts them in
 * an external-data file next to the model, page-aligned as ONNX recommends so runtimes can map them.
 */
final class OnnxGraph {

    static final int FLOAT = 1;
    static final int INT32 = 6;
    static final int INT64 = 7;
    static final int BOOL = 9;
    static final int FLOAT16 = 10;

    static final int IR_VERSION = 8;
    static final int OPSET = 17;
    /** ONNX Runtime's contrib operators, such as GroupQueryAttention. */
    static final String MICROSOFT = "com.microsoft";

    private static final int EXTERNAL_ALIGNMENT = 4096;

    // onnx.proto field numbers, by message.
    private static final int MODEL_IR_VERSION = 1;
    private static final int MODEL_PRODUCER_NAME = 2;
    private static final int MODEL_GRAPH = 7;
    private static final int MODEL_OPSET_IMPORT = 8;
    private static final int OPSET_DOMAIN = 1;
    private static final int OPSET_VERSION = 2;
    private static final int GRAPH_NODE = 1;
    private static final int GRAPH_NAME = 2;
    private static final int GRAPH_INITIALIZER = 5;
    private static final int GRAPH_INPUT = 11;
    private static final int GRAPH_OUTPUT = 12;
    private static final int NODE_INPUT = 1;
    private static final int NODE_OUTPUT = 2;
    private static final int NODE_NAME = 3;
    private static final int NODE_OP_TYPE = 4;
    private static final int NODE_ATTRIBUTE = 5;
    private static final int NODE_DOMAIN = 7;
    private static final int ATTR_NAME = 1;
    private static final int ATTR_F = 2;
    private static final int ATTR_I = 3;
    private static final int ATTR_INTS = 8;
    private static final int ATTR_TYPE = 20;
    private static final int ATTR_TYPE_FLOAT = 1;
    private static final int ATTR_TYPE_INT = 2;
    private static final int ATTR_TYPE_INTS = 7;
    private static final int TENSOR_DIMS = 1;
    private static final int TENSOR_DATA_TYPE = 2;
    private static final int TENSOR_NAME = 8;
    private static final int TENSOR_RAW_DATA = 9;
    private static final int TENSOR_EXTERNAL_DATA = 13;
    private static final int TENSOR_DATA_LOCATION = 14;
    private static final int DATA_LOCATION_EXTERNAL = 1;
    private static final int ENTRY_KEY = 1;
    private static final int ENTRY_VALUE = 2;
    private static final int VALUE_INFO_NAME = 1;
    private static final int VALUE_INFO_TYPE = 2;
    private static final int TYPE_TENSOR = 1;
    private static final int TYPE_TENSOR_ELEM_TYPE = 1;
    private static final int TYPE_TENSOR_SHAPE = 2;
    private static final int SHAPE_DIM = 1;
    private static final int DIM_VALUE = 1;
    private static final int DIM_PARAM = 2;

    /** A node attribute. */
    sealed interface Attr permits IntAttr, IntsAttr, FloatAttr {
        String name();
    }

    record IntAttr(String name, long value) implements Attr {
    }

    record IntsAttr(String name, long[] values) implements Attr {
    }

    record FloatAttr(String name, float value) implements Attr {
    }

    /** A float initializer whose bytes are written at the end, embedded or external. */
    private record Weight(String name, long[] dims, float[] data) {
    }

    private final List<ProtoMessage> nodes = new ArrayList<>();
    private final List<ProtoMessage> constants = new ArrayList<>();
    private final List<Weight> weights = new ArrayList<>();
    private final List<ProtoMessage> inputs = new ArrayList<>();
    private final List<ProtoMessage> outputs = new ArrayList<>();
    private int counter;
    private boolean usesMicrosoftOps;

    static Attr attr(String name, long value) {
        return new IntAttr(name, value);
    }

    static Attr attr(String name, float value) {
        return new FloatAttr(name, value);
    }

    static Attr ints(String name, long... values) {
        return new IntsAttr(name, values);
    }

    /** Adds a node with one output and returns the output's generated name. */
    String op(String opType, List<String> in, Attr... attrs) {
        String out = opType.toLowerCase(java.util.Locale.ROOT) + "_" + (++counter);
        op(opType, in, out, attrs);
        return out;
    }

    /** Adds a node whose one output has a chosen name (a graph output, for example). */
    String op(String opType, List<String> in, String out, Attr... attrs) {
        node("", opType, in, List.of(out), attrs);
        return out;
    }

    /** Adds a node of ONNX Runtime's {@value #MICROSOFT} domain with the outputs named. */
    void microsoftOp(String opType, List<String> in, List<String> out, Attr... attrs) {
        usesMicrosoftOps = true;
        node(MICROSOFT, opType, in, out, attrs);
    }

    /** A fresh name for an intermediate value. */
    String name(String prefix) {
        return prefix + "_" + (++counter);
    }

    private void node(String domain, String opType, List<String> in, List<String> out, Attr... attrs) {
        ProtoMessage node = new ProtoMessage();
        in.forEach(name -> node.string(NODE_INPUT, name));
        out.forEach(name -> node.string(NODE_OUTPUT, name));
        node.string(NODE_NAME, "node_" + (++counter));
        node.string(NODE_OP_TYPE, opType);
        for (Attr a : attrs) {
            node.message(NODE_ATTRIBUTE, attribute(a));
        }
        if (!domain.isEmpty()) {
            node.string(NODE_DOMAIN, domain);
        }
        nodes.add(node);
    }

    private static ProtoMessage attribute(Attr a) {
        ProtoMessage m = new ProtoMessage().string(ATTR_NAME, a.name());
        switch (a) {
            case IntAttr i -> m.varint(ATTR_I, i.value()).varint(ATTR_TYPE, ATTR_TYPE_INT);
            case FloatAttr f -> m.float32(ATTR_F, f.value()).varint(ATTR_TYPE, ATTR_TYPE_FLOAT);
            case IntsAttr s -> {
                for (long v : s.values()) {
                    m.varint(ATTR_INTS, v);
                }
                m.varint(ATTR_TYPE, ATTR_TYPE_INTS);
            }
        }
        return m;
    }

    /** A 1-D int64 constant. */
    String int64s(long... values) {
        return constant(INT64, new long[] {values.length}, longBytes(values));
    }

    /** A scalar (0-D) int64 constant. */
    String int64(long value) {
        return constant(INT64, new long[0], longBytes(value));
    }

    /** A scalar (0-D) float constant. */
    String float32(float value) {
        return constant(FLOAT, new long[0],
                ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(value).array());
    }

    private String constant(int type, long[] dims, byte[] raw) {
        String name = "const_" + (++counter);
        ProtoMessage t = tensorHeader(name, type, dims);
        t.bytes(TENSOR_RAW_DATA, raw);
        constants.add(t);
        return name;
    }

    private static byte[] longBytes(long... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            b.putLong(v);
        }
        return b.array();
    }

    /** A float initializer; returns its name. */
    String weight(String name, long[] dims, float[] data) {
        weights.add(new Weight(name, dims, data));
        return name;
    }

    /** A graph input; each dimension is a {@code Long} (fixed) or a {@code String} (symbolic). */
    void input(String name, int elemType, Object... dims) {
        inputs.add(valueInfo(name, elemType, dims));
    }

    void output(String name, int elemType, Object... dims) {
        outputs.add(valueInfo(name, elemType, dims));
    }

    private static ProtoMessage valueInfo(String name, int elemType, Object... dims) {
        ProtoMessage shape = new ProtoMessage();
        for (Object d : dims) {
            ProtoMessage dim = new ProtoMessage();
            switch (d) {
                case Long v -> dim.varint(DIM_VALUE, v);
                case Integer v -> dim.varint(DIM_VALUE, v);
                case String p -> dim.string(DIM_PARAM, p);
                default -> throw new IllegalArgumentException("dimension " + d);
            }
            shape.message(SHAPE_DIM, dim);
        }
        ProtoMessage tensorType = new ProtoMessage().varint(TYPE_TENSOR_ELEM_TYPE, elemType)
                .message(TYPE_TENSOR_SHAPE, shape);
        return new ProtoMessage().string(VALUE_INFO_NAME, name)
                .message(VALUE_INFO_TYPE, new ProtoMessage().message(TYPE_TENSOR, tensorType));
    }

    private static ProtoMessage tensorHeader(String name, int type, long[] dims) {
        ProtoMessage t = new ProtoMessage();
        for (long d : dims) {
            t.varint(TENSOR_DIMS, d);
        }
        return t.varint(TENSOR_DATA_TYPE, type).string(TENSOR_NAME, name);
    }

    /**
     * Writes the model to {@code modelFile}; with {@code externalData}, the weights go to
     * {@code <modelFile name>_data} beside it (the name Optimum exports use) and the model refers to them.
     */
    void write(Path modelFile, boolean externalData) {
        ProtoMessage graph = new ProtoMessage();
        nodes.forEach(n -> graph.message(GRAPH_NODE, n));
        graph.string(GRAPH_NAME, "main_graph");
        constants.forEach(c -> graph.message(GRAPH_INITIALIZER, c));
        try {
            if (externalData) {
                String location = modelFile.getFileName() + "_data";
                writeExternal(modelFile.resolveSibling(location), location, graph);
            } else {
                for (Weight w : weights) {
                    graph.message(GRAPH_INITIALIZER,
                            tensorHeader(w.name(), FLOAT, w.dims()).floats(TENSOR_RAW_DATA, w.data()));
                }
            }
            inputs.forEach(i -> graph.message(GRAPH_INPUT, i));
            outputs.forEach(o -> graph.message(GRAPH_OUTPUT, o));
            ProtoMessage model = new ProtoMessage()
                    .varint(MODEL_IR_VERSION, IR_VERSION)
                    .string(MODEL_PRODUCER_NAME, "llmlb-testkit")
                    .message(MODEL_GRAPH, graph)
                    .message(MODEL_OPSET_IMPORT, new ProtoMessage().string(OPSET_DOMAIN, "")
                            .varint(OPSET_VERSION, OPSET));
            if (usesMicrosoftOps) {
                model.message(MODEL_OPSET_IMPORT, new ProtoMessage().string(OPSET_DOMAIN, MICROSOFT)
                        .varint(OPSET_VERSION, 1));
            }
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(modelFile), 1 << 20)) {
                model.writeTo(out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void writeExternal(Path dataFile, String location, ProtoMessage graph) throws IOException {
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(dataFile), 1 << 20)) {
            long offset = 0;
            for (Weight w : weights) {
                long aligned = (offset + EXTERNAL_ALIGNMENT - 1) / EXTERNAL_ALIGNMENT * EXTERNAL_ALIGNMENT;
                out.write(new byte[(int) (aligned - offset)]);
                long length = 4L * w.data().length;
                ProtoMessage t = tensorHeader(w.name(), FLOAT, w.dims());
                t.message(TENSOR_EXTERNAL_DATA, entry("location", location));
                t.message(TENSOR_EXTERNAL_DATA, entry("offset", Long.toString(aligned)));
                t.message(TENSOR_EXTERNAL_DATA, entry("length", Long.toString(length)));
                t.varint(TENSOR_DATA_LOCATION, DATA_LOCATION_EXTERNAL);
                graph.message(GRAPH_INITIALIZER, t);
                ProtoMessage.writeFloats(out, w.data());
                offset = aligned + length;
            }
        }
    }

    private static ProtoMessage entry(String key, String value) {
        return new ProtoMessage().string(ENTRY_KEY, key).string(ENTRY_VALUE, value);
    }
}
