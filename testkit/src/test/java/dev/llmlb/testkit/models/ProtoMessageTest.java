package dev.llmlb.testkit.models;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class ProtoMessageTest {

    private static byte[] bytes(ProtoMessage message) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        message.writeTo(out);
        assertEquals(out.size(), message.size(), "size() announces what writeTo writes");
        return out.toByteArray();
    }

    private static byte[] hex(int... values) {
        byte[] out = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (byte) values[i];
        }
        return out;
    }

    @Test
    void fieldsAreEncodedAsTheProtobufWireFormatSpecifies() throws IOException {
        // The protobuf documentation's examples: field 1 = 150 is 08 96 01; field 2 = "testing" is 12 07 74 65 ...
        assertArrayEquals(hex(0x08, 0x96, 0x01), bytes(new ProtoMessage().varint(1, 150)));
        assertArrayEquals(hex(0x12, 0x07, 't', 'e', 's', 't', 'i', 'n', 'g'),
                bytes(new ProtoMessage().string(2, "testing")));
        assertArrayEquals(hex(0x1a, 0x03, 0x08, 0x96, 0x01),
                bytes(new ProtoMessage().message(3, new ProtoMessage().varint(1, 150))));
        assertArrayEquals(hex(0x15, 0x00, 0x00, 0x80, 0x3f), bytes(new ProtoMessage().float32(2, 1.0f)));
        assertArrayEquals(hex(0x4a, 0x08, 0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0),
                bytes(new ProtoMessage().floats(9, new float[] {1.0f, -2.0f})));
    }

    @Test
    void negativeIntegersTakeTenBytesAsInt64() throws IOException {
        byte[] encoded = bytes(new ProtoMessage().varint(3, -1));
        assertEquals(11, encoded.length);
        assertEquals(0x01, encoded[10]);
    }

    @Test
    void floatPayloadsLongerThanOneWriteChunkStayIntact() throws IOException {
        float[] values = new float[70_000];
        for (int i = 0; i < values.length; i++) {
            values[i] = i * 0.5f;
        }
        byte[] encoded = bytes(new ProtoMessage().floats(9, values));
        int header = 1 + ProtoMessage.varintSize(4L * values.length);
        FloatBuffer read = ByteBuffer.wrap(encoded, header, encoded.length - header)
                .order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        for (int i = 0; i < values.length; i++) {
            assertEquals(values[i], read.get(i), "value " + i);
        }
    }
}
