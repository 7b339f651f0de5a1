package org.example.javallama;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A GGUF file (version 2 or 3) read as llama.cpp writes it: a header, typed metadata, tensor descriptions, then the
 * tensors' bytes at an aligned offset. Only what this engine needs is interpreted: metadata values become Java
 * values (numbers, booleans, strings, lists), and F32 tensors can be read as floats.
 */
final class GgufFile {

    /** ggml's type number for 32-bit floats, the only tensor type this engine runs. */
    static final int F32 = 0;
    private static final int MAGIC = 0x46554747; // "GGUF", little-endian
    private static final int DEFAULT_ALIGNMENT = 32;

    /** One tensor: its name, its dimensions ({@code dims[0]} varies fastest), its ggml type, where its bytes are. */
    record TensorInfo(String name, long[] dims, int type, long offset) {
        long elements() {
            long n = 1;
            for (long d : dims) {
                n *= d;
            }
            return n;
        }
    }

    private final Map<String, Object> metadata;
    private final Map<String, TensorInfo> tensors;
    private final ByteBuffer data;

    private GgufFile(Map<String, Object> metadata, Map<String, TensorInfo> tensors, ByteBuffer data) {
        this.metadata = metadata;
        this.tensors = tensors;
        this.data = data;
    }

    /** Maps and parses {@code file}; tensor bytes are read only when asked for. */
    static GgufFile open(Path file) throws IOException {
        ByteBuffer buffer;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            if (channel.size() > Integer.MAX_VALUE) {
                throw new IOException("this example engine reads GGUF files up to 2 GiB; " + file + " is larger");
            }
            buffer = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size()).order(ByteOrder.LITTLE_ENDIAN);
        }
        try {
            return parse(buffer);
        } catch (IOException | RuntimeException e) {
            throw new IOException(file.getFileName() + " is not a readable GGUF file: " + e.getMessage(), e);
        }
    }

    private static GgufFile parse(ByteBuffer in) throws IOException {
        if (in.getInt() != MAGIC) {
            throw new IOException("no GGUF magic number");
        }
        int version = in.getInt();
        if (version != 2 && version != 3) {
            throw new IOException("GGUF version " + version + " (this engine reads 2 and 3)");
        }
        long tensorCount = in.getLong();
        long kvCount = in.getLong();
        Map<String, Object> metadata = new LinkedHashMap<>();
        for (long i = 0; i < kvCount; i++) {
            String key = string(in);
            metadata.put(key, value(in, in.getInt()));
        }
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        for (long i = 0; i < tensorCount; i++) {
            String name = string(in);
            long[] dims = new long[in.getInt()];
            for (int d = 0; d < dims.length; d++) {
                dims[d] = in.getLong();
            }
            tensors.put(name, new TensorInfo(name, dims, in.getInt(), in.getLong()));
        }
        int alignment = metadata.get("general.alignment") instanceof Number n ? n.intValue() : DEFAULT_ALIGNMENT;
        int start = (in.position() + alignment - 1) / alignment * alignment;
        return new GgufFile(metadata, tensors, in.position(start).slice().order(ByteOrder.LITTLE_ENDIAN));
    }

    private static String string(ByteBuffer in) {
        byte[] bytes = new byte[Math.toIntExact(in.getLong())];
        in.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** A metadata value of GGUF type {@code type}; integers of every width become {@code long}. */
    private static Object value(ByteBuffer in, int type) throws IOException {
        return switch (type) {
            case 0 -> (long) Byte.toUnsignedInt(in.get());
            case 1 -> (long) in.get();
            case 2 -> (long) Short.toUnsignedInt(in.getShort());
            case 3 -> (long) in.getShort();
            case 4 -> Integer.toUnsignedLong(in.getInt());
            case 5 -> (long) in.getInt();
            case 6 -> (double) in.getFloat();
            case 7 -> in.get() != 0;
            case 8 -> string(in);
            case 9 -> {
                int elementType = in.getInt();
                long count = in.getLong();
                List<Object> list = new ArrayList<>();
                for (long i = 0; i < count; i++) {
                    list.add(value(in, elementType));
                }
                yield list;
            }
            case 10, 11 -> in.getLong();
            case 12 -> in.getDouble();
            default -> throw new IOException("unknown metadata type " + type);
        };
    }

    Optional<Object> metadata(String key) {
        return Optional.ofNullable(metadata.get(key));
    }

    String string(String key, String fallback) {
        return metadata(key).map(Object::toString).orElse(fallback);
    }

    long integer(String key, long fallback) {
        return metadata(key).filter(Number.class::isInstance).map(v -> ((Number) v).longValue()).orElse(fallback);
    }

    double real(String key, double fallback) {
        return metadata(key).filter(Number.class::isInstance).map(v -> ((Number) v).doubleValue()).orElse(fallback);
    }

    boolean flag(String key, boolean fallback) {
        return metadata(key).filter(Boolean.class::isInstance).map(Boolean.class::cast).orElse(fallback);
    }

    /** A list-valued key's elements, or an empty list. */
    List<?> list(String key) {
        return metadata(key).filter(List.class::isInstance).map(v -> (List<?>) v).orElse(List.of());
    }

    Map<String, TensorInfo> tensors() {
        return tensors;
    }

    /** The values of an F32 tensor, {@code dims[0]} varying fastest. */
    float[] floats(String name) throws IOException {
        TensorInfo info = tensors.get(name);
        if (info == null) {
            throw new IOException("the model has no tensor " + name);
        }
        if (info.type() != F32) {
            throw new IOException("tensor " + name + " has ggml type " + info.type() + "; this engine runs F32 only");
        }
        float[] values = new float[Math.toIntExact(info.elements())];
        FloatBuffer floats = data.slice(Math.toIntExact(info.offset()), values.length * Float.BYTES)
                .order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        floats.get(values);
        return values;
    }
}
