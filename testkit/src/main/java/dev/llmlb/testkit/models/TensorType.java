package dev.llmlb.testkit.models;

import java.nio.ByteBuffer;

/** The element types a generated safetensors file may store; values are generated as F32. */
public enum TensorType {
    F32(4),
    BF16(2),
    F16(2);

    private final int bytes;

    TensorType(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }

    /** The {@code dtype} string of a safetensors header. */
    public String safetensorsName() {
        return name();
    }

    /** The {@code torch_dtype} of {@code config.json}. */
    public String torchName() {
        return switch (this) {
            case F32 -> "float32";
            case BF16 -> "bfloat16";
            case F16 -> "float16";
        };
    }

    /** {@code value} as this type stores it, widened back to F32. */
    public float round(float value) {
        return switch (this) {
            case F32 -> value;
            case BF16 -> Float.intBitsToFloat(toBf16(value) << 16);
            case F16 -> Float.float16ToFloat(Float.floatToFloat16(value));
        };
    }

    /** Appends {@code value} in this type, little-endian. */
    public void put(ByteBuffer out, float value) {
        switch (this) {
            case F32 -> out.putFloat(value);
            case BF16 -> out.putShort((short) toBf16(value));
            case F16 -> out.putShort(Float.floatToFloat16(value));
        }
    }

    /** The upper 16 bits of an F32, rounded to nearest even as PyTorch's {@code .to(torch.bfloat16)} does. */
    private static int toBf16(float value) {
        int bits = Float.floatToRawIntBits(value);
        if (Float.isNaN(value)) {
            return (bits >>> 16) | 0x40;
        }
        int roundingBias = 0x7FFF + ((bits >>> 16) & 1);
        return ((bits + roundingBias) >>> 16) & 0xFFFF;
    }
}
