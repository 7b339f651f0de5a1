package dev.llmlb.engine.llamacpp.gguf;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the metadata of a GGUF file (the key/value section before the tensor infos), so the engine can check a file
 * and size its context before llama.cpp sees it. Large arrays (the vocabulary) are skipped, not kept.
 */
public final class GgufReader {

    private static final int MAGIC = 0x46554747; // "GGUF" little-endian
    /** Arrays longer than this are skipped: only small numeric arrays (per-layer head counts) are of interest. */
    private static final long KEEP_ARRAY_MAX = 4096;
    /** Beyond this a length is corrupt rather than large: the longest real strings are chat templates of KBs. */
    private static final long MAX_STRING = 64L << 20;
    private static final long MAX_COUNT = 1L << 32;

    private GgufReader() {
    }

    /**
     * Reads the metadata of {@code file}.
     *
     * @throws GgufFormatException when the file is not GGUF v2/v3 or its metadata is cut short or corrupt
     * @throws IOException         when it cannot be read
     */
    public static GgufMetadata read(Path file) throws IOException {
        try (InputStream raw = Files.newInputStream(file)) {
            LittleEndian in = new LittleEndian(new BufferedInputStream(raw, 1 << 16));
            int magic;
            try {
                magic = in.i32();
            } catch (EOFException e) {
                throw new GgufFormatException(file + " is not a GGUF file: it is shorter than a GGUF header");
            }
            if (magic != MAGIC) {
                throw new GgufFormatException(file + " is not a GGUF file (it does not start with \"GGUF\")");
            }
            int version = in.i32();
            if (version < 2 || version > 3) {
                throw new GgufFormatException(file + " is GGUF version " + version + "; versions 2 and 3 are supported");
            }
            long tensorCount = in.i64();
            long kvCount = in.i64();
            if (tensorCount < 0 || kvCount < 0 || kvCount > MAX_COUNT) {
                throw new GgufFormatException(file + " has a corrupt GGUF header");
            }
            Map<String, Object> values = new HashMap<>();
            try {
                for (long i = 0; i < kvCount; i++) {
                    String key = in.string();
                    int type = in.i32();
                    Object value = readValue(in, type);
                    if (value != null) {
                        values.put(key, value);
                    }
                }
            } catch (EOFException e) {
                throw new GgufFormatException(file + " ends inside its GGUF metadata: the file is incomplete");
            }
            return new GgufMetadata(version, tensorCount, values);
        }
    }

    private static Object readValue(LittleEndian in, int type) throws IOException {
        return switch (type) {
            case 0 -> (long) in.u8();               // UINT8
            case 1 -> (long) (byte) in.u8();        // INT8
            case 2 -> (long) (in.i16() & 0xFFFF);   // UINT16
            case 3 -> (long) in.i16();              // INT16
            case 4 -> in.i32() & 0xFFFFFFFFL;       // UINT32
            case 5 -> (long) in.i32();              // INT32
            case 6 -> (double) Float.intBitsToFloat(in.i32());
            case 7 -> in.u8() != 0;
            case 8 -> in.string();
            case 9 -> readArray(in);
            case 10, 11 -> in.i64();                // UINT64, INT64
            case 12 -> Double.longBitsToDouble(in.i64());
            default -> throw new GgufFormatException("unknown GGUF value type " + type);
        };
    }

    /** Small arrays as a list; large ones skipped, only their length kept. */
    private static Object readArray(LittleEndian in) throws IOException {
        int elementType = in.i32();
        long count = in.i64();
        if (count < 0 || count > MAX_COUNT) {
            throw new GgufFormatException("corrupt GGUF array length " + count);
        }
        boolean keep = count <= KEEP_ARRAY_MAX && elementType != 8 && elementType != 9;
        List<Object> list = keep ? new ArrayList<>((int) count) : null;
        for (long i = 0; i < count; i++) {
            if (elementType == 8) {
                in.skip(in.length());
            } else if (elementType == 9) {
                throw new GgufFormatException("nested GGUF arrays are not supported");
            } else if (keep) {
                list.add(readValue(in, elementType));
            } else {
                in.skip(width(elementType));
            }
        }
        return list == null ? new GgufMetadata.SkippedArray(count) : List.copyOf(list);
    }

    private static int width(int type) throws GgufFormatException {
        return switch (type) {
            case 0, 1, 7 -> 1;
            case 2, 3 -> 2;
            case 4, 5, 6 -> 4;
            case 10, 11, 12 -> 8;
            default -> throw new GgufFormatException("unknown GGUF array element type " + type);
        };
    }

    /** Little-endian primitives over a stream. */
    private static final class LittleEndian {
        private final InputStream in;
        private final byte[] buf = new byte[8];

        LittleEndian(InputStream in) {
            this.in = in;
        }

        private void fill(int n) throws IOException {
            int read = in.readNBytes(buf, 0, n);
            if (read < n) {
                throw new EOFException();
            }
        }

        int u8() throws IOException {
            fill(1);
            return buf[0] & 0xFF;
        }

        short i16() throws IOException {
            fill(2);
            return (short) ((buf[0] & 0xFF) | (buf[1] & 0xFF) << 8);
        }

        int i32() throws IOException {
            fill(4);
            return (buf[0] & 0xFF) | (buf[1] & 0xFF) << 8 | (buf[2] & 0xFF) << 16 | (buf[3] & 0xFF) << 24;
        }

        long i64() throws IOException {
            long lo = i32() & 0xFFFFFFFFL;
            long hi = i32() & 0xFFFFFFFFL;
            return lo | hi << 32;
        }

        long length() throws IOException {
            long n = i64();
            if (n < 0 || n > MAX_STRING) {
                throw new GgufFormatException("corrupt GGUF string length " + n);
            }
            return n;
        }

        String string() throws IOException {
            int n = (int) length();
            byte[] bytes = in.readNBytes(n);
            if (bytes.length < n) {
                throw new EOFException();
            }
            return new String(bytes, StandardCharsets.UTF_8);
        }

        void skip(long n) throws IOException {
            long left = n;
            while (left > 0) {
                long skipped = in.skip(left);
                if (skipped <= 0) {
                    if (in.read() < 0) {
                        throw new EOFException();
                    }
                    skipped = 1;
                }
                left -= skipped;
            }
        }
    }
}
