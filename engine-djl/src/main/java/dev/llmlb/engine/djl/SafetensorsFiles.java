package dev.llmlb.engine.djl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmlb.api.engine.EngineException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The tensors of a model folder's safetensors weights: {@code model.safetensors}, or the shards that
 * {@code model.safetensors.index.json} names. Reads only the headers; tensor bytes are mapped on demand.
 */
final class SafetensorsFiles {

    static final String SINGLE = "model.safetensors";
    static final String INDEX = "model.safetensors.index.json";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MAX_HEADER = 100L << 20;

    /** One tensor: where its bytes lie and how to read them. */
    record Entry(String name, Path file, String dtype, long[] shape, long offset, long length) {

        long elements() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }
    }

    private final Map<String, Entry> entries;

    private SafetensorsFiles(Map<String, Entry> entries) {
        this.entries = entries;
    }

    /**
     * Reads the headers of a folder's weights.
     *
     * @throws EngineException when the folder has no safetensors weights or a file is malformed
     */
    static SafetensorsFiles open(Path directory) {
        Map<String, Entry> entries = new LinkedHashMap<>();
        for (Path file : weightFiles(directory)) {
            readHeader(file, entries);
        }
        if (entries.isEmpty()) {
            throw new EngineException("the safetensors files in " + directory.getFileName() + " hold no tensors");
        }
        return new SafetensorsFiles(entries);
    }

    private static List<Path> weightFiles(Path directory) {
        Path index = directory.resolve(INDEX);
        if (Files.isRegularFile(index)) {
            Set<Path> shards = new LinkedHashSet<>();
            try {
                JsonNode map = JSON.readTree(index.toFile()).path("weight_map");
                for (Iterator<JsonNode> it = map.elements(); it.hasNext(); ) {
                    String shard = it.next().asText();
                    Path file = directory.resolve(shard).normalize();
                    if (!file.startsWith(directory.normalize())) {
                        throw new EngineException(INDEX + " names a shard outside the model folder: " + shard);
                    }
                    if (!Files.isRegularFile(file)) {
                        throw new EngineException(INDEX + " names the shard " + shard + ", which is missing");
                    }
                    shards.add(file);
                }
            } catch (IOException e) {
                throw new EngineException("cannot read " + INDEX + ": " + e.getMessage(), e);
            }
            if (shards.isEmpty()) {
                throw new EngineException(INDEX + " has an empty weight_map");
            }
            return List.copyOf(shards);
        }
        if (Files.isRegularFile(directory.resolve(SINGLE))) {
            return List.of(directory.resolve(SINGLE));
        }
        try (Stream<Path> files = Files.list(directory)) {
            List<Path> found = files.filter(p -> p.getFileName().toString().endsWith(".safetensors")).sorted().toList();
            if (found.isEmpty()) {
                throw new EngineException("the model folder has neither " + SINGLE + " nor " + INDEX);
            }
            return found;
        } catch (IOException e) {
            throw new EngineException("cannot list the model folder: " + e.getMessage(), e);
        }
    }

    private static void readHeader(Path file, Map<String, Entry> entries) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(channel, lengthBytes, 0);
            long headerLength = lengthBytes.getLong(0);
            if (headerLength <= 0 || headerLength > MAX_HEADER || 8 + headerLength > size) {
                throw new EngineException(file.getFileName() + " is not a safetensors file (header length "
                        + headerLength + ")");
            }
            ByteBuffer header = ByteBuffer.allocate((int) headerLength);
            readFully(channel, header, 8);
            JsonNode root = JSON.readTree(header.array());
            long dataStart = 8 + headerLength;
            for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                if (field.getKey().equals("__metadata__")) {
                    continue;
                }
                JsonNode t = field.getValue();
                JsonNode shapeNode = t.path("shape");
                long[] shape = new long[shapeNode.size()];
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = shapeNode.get(i).asLong();
                }
                long begin = t.path("data_offsets").path(0).asLong(-1);
                long end = t.path("data_offsets").path(1).asLong(-1);
                String dtype = t.path("dtype").asText();
                Entry entry = new Entry(field.getKey(), file, dtype, shape, dataStart + begin, end - begin);
                if (begin < 0 || end < begin || dataStart + end > size) {
                    throw new EngineException(file.getFileName() + ": tensor " + field.getKey()
                            + " lies outside the file");
                }
                int width = elementSize(dtype);
                if (width > 0 && entry.elements() * width != entry.length()) {
                    throw new EngineException(file.getFileName() + ": tensor " + field.getKey() + " has "
                            + entry.length() + " bytes for " + entry.elements() + " " + dtype + " values");
                }
                entries.put(field.getKey(), entry);
            }
        } catch (IOException e) {
            throw new EngineException("cannot read " + file.getFileName() + ": " + e.getMessage(), e);
        }
    }

    private static void readFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        long at = position;
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, at);
            if (n < 0) {
                throw new IOException("unexpected end of file");
            }
            at += n;
        }
    }

    /** Bytes per element of the types this engine reads; 0 for others. */
    static int elementSize(String dtype) {
        return switch (dtype) {
            case "F32" -> 4;
            case "BF16", "F16" -> 2;
            default -> 0;
        };
    }

    Optional<Entry> find(String name) {
        return Optional.ofNullable(entries.get(name));
    }

    Entry require(String name) {
        Entry entry = entries.get(name);
        if (entry == null) {
            throw new EngineException("the weights have no tensor " + name);
        }
        return entry;
    }

    /** Every tensor's parameters together. */
    long parameterCount() {
        return entries.values().stream().mapToLong(Entry::elements).sum();
    }

    /**
     * The bytes of a tensor, little-endian, memory-mapped.
     *
     * @throws EngineException when its type is not F32, BF16 or F16
     */
    static ByteBuffer map(Entry entry) {
        if (elementSize(entry.dtype()) == 0) {
            throw new EngineException("tensor " + entry.name() + " is " + entry.dtype()
                    + "; engine djl reads F32, BF16 and F16 weights");
        }
        try (FileChannel channel = FileChannel.open(entry.file(), StandardOpenOption.READ)) {
            return channel.map(FileChannel.MapMode.READ_ONLY, entry.offset(), entry.length())
                    .order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            throw new EngineException("cannot map tensor " + entry.name() + ": " + e.getMessage(), e);
        }
    }
}
