package dev.llmlb.engine.llamacpp;

import dev.llmlb.api.engine.EngineException;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The key-value metadata at the head of a GGUF file, read without loading the model: architecture, context
 * length, chat template, special tokens. Arrays are kept only for the token list (to name special tokens).
 */
final class GgufMetadata {

    private static final int MAGIC = 0x46554747;
    private final Map<String, Object> values;

    private GgufMetadata(Map<String, Object> values) {
        this.values = values;
    }

    static GgufMetadata read(Path file) {
        try (InputStream raw = Files.newInputStream(file);
             DataInputStream in = new DataInputStream(new BufferedInputStream(raw, 1 << 16))) {
            LittleEndian le = new LittleEndian(in);
            if (le.u32() != MAGIC) {
                throw new EngineException(file.getFileName() + " is not a GGUF file");
            }
            int version = le.u32();
            if (version < 2 || version > 3) {
                throw new EngineException(file.getFileName() + " has GGUF version " + version
                        + "; versions 2 and 3 are supported");
            }
            le.u64();
            long kvCount = le.u64();
            Map<String, Object> values = new HashMap<>();
            for (long i = 0; i < kvCount; i++) {
                String key = le.string();
                int type = le.u32();
                values.put(key, le.value(type, key.equals("tokenizer.ggml.tokens")));
            }
            return new GgufMetadata(values);
        } catch (IOException e) {
            throw new EngineException("cannot read the GGUF header of " + file.getFileName() + ": " + e.getMessage(), e);
        }
    }

    Optional<String> string(String key) {
        return values.get(key) instanceof String s ? Optional.of(s) : Optional.empty();
    }

    Optional<Long> number(String key) {
        return values.get(key) instanceof Number n ? Optional.of(n.longValue()) : Optional.empty();
    }

    Optional<Boolean> bool(String key) {
        return values.get(key) instanceof Boolean b ? Optional.of(b) : Optional.empty();
    }

    String architecture() {
        return string("general.architecture").orElse("unknown");
    }

    /** {@code <arch>.<key>}, e.g. {@code llama.context_length}. */
    Optional<Long> archNumber(String key) {
        return number(architecture() + "." + key);
    }

    @SuppressWarnings("unchecked")
    Optional<String> tokenText(long id) {
        if (values.get("tokenizer.ggml.tokens") instanceof List<?> tokens && id >= 0 && id < tokens.size()) {
            return Optional.of(((List<String>) tokens).get((int) id));
        }
        return Optional.empty();
    }

    /** Little-endian reads of GGUF's scalar, string and array values. */
    private record LittleEndian(DataInputStream in) {

        int u32() throws IOException {
            return Integer.reverseBytes(in.readInt());
        }

        long u64() throws IOException {
            return Long.reverseBytes(in.readLong());
        }

        String string() throws IOException {
            long length = u64();
            if (length < 0 || length > Integer.MAX_VALUE) {
                throw new IOException("string of " + length + " bytes");
            }
            byte[] bytes = new byte[(int) length];
            in.readFully(bytes);
            return new String(bytes, StandardCharsets.UTF_8);
        }

        Object value(int type, boolean keepArray) throws IOException {
            return switch (type) {
                case 0 -> (long) in.readUnsignedByte();
                case 1 -> (long) in.readByte();
                case 2 -> (long) Short.toUnsignedInt(Short.reverseBytes(in.readShort()));
                case 3 -> (long) Short.reverseBytes(in.readShort());
                case 4 -> Integer.toUnsignedLong(u32());
                case 5 -> (long) u32();
                case 6 -> Float.intBitsToFloat(u32());
                case 7 -> in.readUnsignedByte() != 0;
                case 8 -> string();
                case 9 -> array(keepArray);
                case 10, 11 -> u64();
                case 12 -> Double.longBitsToDouble(u64());
                default -> throw new IOException("unknown GGUF value type " + type);
            };
        }

        private Object array(boolean keep) throws IOException {
            int type = u32();
            long count = u64();
            List<Object> items = keep ? new ArrayList<>() : null;
            for (long i = 0; i < count; i++) {
                Object item = value(type, false);
                if (keep) {
                    items.add(item);
                }
            }
            return keep ? items : count;
        }
    }
}
