package dev.llmlb.source.safetensors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.llmlb.api.source.PlanningException;
import dev.llmlb.api.source.SafePath;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The shards a {@code model.safetensors.index.json} names.
 *
 * @param shards every file its {@code weight_map} names, once each, in name order (so {@code -00001-of-} first)
 */
record SafetensorsIndex(List<String> shards) {

    private static final ObjectMapper JSON = JsonMapper.builder().build();

    SafetensorsIndex {
        shards = List.copyOf(shards);
    }

    /**
     * Reads an index fetched to {@code file}.
     *
     * @param origin what the index is of, for messages
     * @throws PlanningException when it is not an index, names no shard, or names a path outside the folder
     */
    static SafetensorsIndex read(Path file, String origin) {
        String where = file.getFileName() + " of " + origin;
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new PlanningException(where + " is not valid JSON: " + e.getMessage(), e);
        }
        JsonNode weightMap = root == null ? null : root.get("weight_map");
        if (weightMap == null || !weightMap.isObject()) {
            throw new PlanningException(where + " has no weight_map object.");
        }
        TreeSet<String> shards = new TreeSet<>();
        for (Map.Entry<String, JsonNode> tensor : weightMap.properties()) {
            if (!tensor.getValue().isTextual()) {
                throw new PlanningException(where + " maps tensor '" + tensor.getKey() + "' to something other than a "
                        + "file name.");
            }
            shards.add(SafePath.requireFrom(tensor.getValue().asText(), where));
        }
        if (shards.isEmpty()) {
            throw new PlanningException(where + " names no shard in its weight_map.");
        }
        return new SafetensorsIndex(List.copyOf(shards));
    }
}
