package dev.llmlb.engine.onnx;

import dev.llmlb.api.engine.EngineException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The operators an ONNX graph uses, read from the model file's protobuf ({@code ModelProto.graph.node[].op_type}
 * and {@code domain}, subgraphs of {@code If} and {@code Loop} included) without loading it: ONNX Runtime's Java API
 * shows a session's inputs and outputs, not its nodes. Skips initializers by their length, so a model with embedded
 * weights costs a walk over its headers, not a read of its weights.
 */
final class GraphOperators {

    // onnx.proto field numbers.
    private static final int MODEL_GRAPH = 7;
    private static final int GRAPH_NODE = 1;
    private static final int NODE_OP_TYPE = 4;
    private static final int NODE_ATTRIBUTE = 5;
    private static final int NODE_DOMAIN = 7;
    private static final int ATTRIBUTE_GRAPH = 6;
    private static final int ATTRIBUTE_GRAPHS = 11;

    private static final int VARINT = 0;
    private static final int FIXED64 = 1;
    private static final int LENGTH_DELIMITED = 2;
    private static final int FIXED32 = 5;

    private GraphOperators() {
    }

    /**
     * The operators of {@code modelFile} as {@code domain:op_type} ({@code :MatMul} for the default domain,
     * {@code com.microsoft:GroupQueryAttention} for ONNX Runtime's contrib operators).
     *
     * @throws EngineException when the file cannot be read or is not a protobuf
     */
    static Set<String> of(Path modelFile) {
        try (FileChannel channel = FileChannel.open(modelFile, StandardOpenOption.READ)) {
            ByteBuffer model = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size());
            Set<String> operators = new LinkedHashSet<>();
            forEachField(model, (field, wire, value) -> {
                if (field == MODEL_GRAPH && value != null) {
                    graph(value, operators);
                }
            });
            return operators;
        } catch (IOException | RuntimeException e) {
            throw new EngineException("cannot read the operators of " + modelFile.getFileName() + ": "
                    + e.getMessage(), e);
        }
    }

    private static void graph(ByteBuffer graph, Set<String> operators) {
        forEachField(graph, (field, wire, value) -> {
            if (field == GRAPH_NODE && value != null) {
                node(value, operators);
            }
        });
    }

    private static void node(ByteBuffer node, Set<String> operators) {
        String[] opAndDomain = {"", ""};
        forEachField(node, (field, wire, value) -> {
            if (value == null) {
                return;
            }
            switch (field) {
                case NODE_OP_TYPE -> opAndDomain[0] = StandardCharsets.UTF_8.decode(value).toString();
                case NODE_DOMAIN -> opAndDomain[1] = StandardCharsets.UTF_8.decode(value).toString();
                case NODE_ATTRIBUTE -> forEachField(value, (f, w, v) -> {
                    if ((f == ATTRIBUTE_GRAPH || f == ATTRIBUTE_GRAPHS) && v != null) {
                        graph(v, operators);
                    }
                });
                default -> {
                }
            }
        });
        String domain = opAndDomain[1].equals("ai.onnx") ? "" : opAndDomain[1];
        operators.add(domain + ":" + opAndDomain[0]);
    }

    /** One field of a message: its number, wire type, and for length-delimited fields its bytes (else null). */
    @FunctionalInterface
    private interface FieldVisitor {
        void field(int number, int wireType, ByteBuffer value);
    }

    private static void forEachField(ByteBuffer message, FieldVisitor visitor) {
        ByteBuffer in = message.duplicate();
        while (in.hasRemaining()) {
            long tag = varint(in);
            int number = (int) (tag >>> 3);
            int wire = (int) (tag & 7);
            switch (wire) {
                case VARINT -> {
                    varint(in);
                    visitor.field(number, wire, null);
                }
                case FIXED64 -> skip(in, 8);
                case FIXED32 -> skip(in, 4);
                case LENGTH_DELIMITED -> {
                    long length = varint(in);
                    if (length < 0 || length > in.remaining()) {
                        throw new IllegalArgumentException("a field runs past the end of its message");
                    }
                    ByteBuffer value = in.slice(in.position(), (int) length);
                    skip(in, (int) length);
                    visitor.field(number, wire, value);
                }
                default -> throw new IllegalArgumentException("unsupported protobuf wire type " + wire);
            }
        }
    }

    private static void skip(ByteBuffer in, int bytes) {
        in.position(in.position() + bytes);
    }

    private static long varint(ByteBuffer in) {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            byte b = in.get();
            value |= (long) (b & 0x7F) << shift;
            if (b >= 0) {
                return value;
            }
        }
        throw new IllegalArgumentException("a varint longer than 10 bytes");
    }
}
