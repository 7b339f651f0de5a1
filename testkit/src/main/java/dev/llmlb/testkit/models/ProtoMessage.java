package dev.llmlb.testkit.models;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A protocol buffers message built field by field and written in the wire format, enough to write ONNX files
 * without a protobuf library. Sizes are computed before writing, so large float payloads stream straight from the
 * weights instead of being copied into one big buffer.
 */
final class ProtoMessage {

    private static final int VARINT = 0;
    private static final int LENGTH_DELIMITED = 2;
    private static final int FIXED32 = 5;

    private final List<Field> fields = new ArrayList<>();
    private long size = -1;

    private sealed interface Field permits Varint, Fixed32, Bytes, Floats, Message {
    }

    private record Varint(int number, long value) implements Field {
    }

    private record Fixed32(int number, float value) implements Field {
    }

    private record Bytes(int number, byte[] value) implements Field {
    }

    /** Little-endian F32 values as one length-delimited field, the layout of {@code raw_data}. */
    private record Floats(int number, float[] value) implements Field {
    }

    private record Message(int number, ProtoMessage value) implements Field {
    }

    ProtoMessage varint(int number, long value) {
        return add(new Varint(number, value));
    }

    /** A {@code float} field (wire type fixed32). */
    ProtoMessage float32(int number, float value) {
        return add(new Fixed32(number, value));
    }

    ProtoMessage string(int number, String value) {
        return add(new Bytes(number, value.getBytes(StandardCharsets.UTF_8)));
    }

    ProtoMessage bytes(int number, byte[] value) {
        return add(new Bytes(number, value));
    }

    ProtoMessage floats(int number, float[] value) {
        return add(new Floats(number, value));
    }

    ProtoMessage message(int number, ProtoMessage value) {
        return add(new Message(number, value));
    }

    private ProtoMessage add(Field field) {
        fields.add(field);
        size = -1;
        return this;
    }

    /** Bytes this message takes on the wire, without its own tag and length. */
    long size() {
        if (size < 0) {
            long total = 0;
            for (Field field : fields) {
                total += fieldSize(field);
            }
            size = total;
        }
        return size;
    }

    private static long fieldSize(Field field) {
        return switch (field) {
            case Varint v -> varintSize(tag(v.number(), VARINT)) + varintSize(v.value());
            case Fixed32 f -> varintSize(tag(f.number(), FIXED32)) + 4;
            case Bytes b -> delimitedSize(b.number(), b.value().length);
            case Floats f -> delimitedSize(f.number(), 4L * f.value().length);
            case Message m -> delimitedSize(m.number(), m.value().size());
        };
    }

    private static long delimitedSize(int number, long length) {
        return varintSize(tag(number, LENGTH_DELIMITED)) + varintSize(length) + length;
    }

    void writeTo(OutputStream out) throws IOException {
        for (Field field : fields) {
            switch (field) {
                case Varint v -> {
                    writeVarint(out, tag(v.number(), VARINT));
                    writeVarint(out, v.value());
                }
                case Fixed32 f -> {
                    writeVarint(out, tag(f.number(), FIXED32));
                    int bits = Float.floatToRawIntBits(f.value());
                    for (int i = 0; i < 4; i++) {
                        out.write((bits >>> (8 * i)) & 0xFF);
                    }
                }
                case Bytes b -> {
                    writeHeader(out, b.number(), b.value().length);
                    out.write(b.value());
                }
                case Floats f -> {
                    writeHeader(out, f.number(), 4L * f.value().length);
                    writeFloats(out, f.value());
                }
                case Message m -> {
                    writeHeader(out, m.number(), m.value().size());
                    m.value().writeTo(out);
                }
            }
        }
    }

    /** Writes F32 values little-endian, in chunks so a large tensor needs no second full-size copy. */
    static void writeFloats(OutputStream out, float[] values) throws IOException {
        int chunk = 1 << 16;
        ByteBuffer buffer = ByteBuffer.allocate(chunk * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int start = 0; start < values.length; start += chunk) {
            int count = Math.min(chunk, values.length - start);
            buffer.clear();
            buffer.asFloatBuffer().put(values, start, count);
            out.write(buffer.array(), 0, count * 4);
        }
    }

    private static void writeHeader(OutputStream out, int number, long length) throws IOException {
        writeVarint(out, tag(number, LENGTH_DELIMITED));
        writeVarint(out, length);
    }

    private static long tag(int number, int wireType) {
        return ((long) number << 3) | wireType;
    }

    /** Negative values take ten bytes, as protobuf encodes int64. */
    static int varintSize(long value) {
        int n = 1;
        while ((value & ~0x7FL) != 0) {
            value >>>= 7;
            n++;
        }
        return n;
    }

    private static void writeVarint(OutputStream out, long value) throws IOException {
        while ((value & ~0x7FL) != 0) {
            out.write((int) ((value & 0x7F) | 0x80));
            value >>>= 7;
        }
        out.write((int) value);
    }
}
