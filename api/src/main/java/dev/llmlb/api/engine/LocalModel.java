package dev.llmlb.api.engine;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A downloaded, verified model on disk.
 *
 * @param id         the model's id in the catalog
 * @param directory  the model's folder
 * @param format     the format its source reported, e.g. {@code gguf}
 * @param files      every file of the model, relative to {@code directory}, in the order they were planned
 * @param sizes      each file's size in bytes, same order as {@code files}
 * @param properties what the source recorded, e.g. {@code entry_file} and {@code architecture}
 */
public record LocalModel(String id, Path directory, String format, List<String> files, List<Long> sizes,
                         Map<String, String> properties) {

    public LocalModel {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(format, "format");
        files = List.copyOf(files);
        sizes = List.copyOf(sizes);
        properties = Map.copyOf(properties);
        if (files.size() != sizes.size()) {
            throw new IllegalArgumentException("files and sizes differ in length");
        }
    }

    /** The file to open first: the {@code entry_file} property, else the first file. */
    public Path entryFile() {
        String entry = properties.getOrDefault(dev.llmlb.api.source.ModelFormats.ENTRY_FILE,
                files.isEmpty() ? "" : files.get(0));
        return directory.resolve(entry);
    }

    /** The size of all files together. */
    public long totalBytes() {
        return sizes.stream().mapToLong(Long::longValue).sum();
    }
}
