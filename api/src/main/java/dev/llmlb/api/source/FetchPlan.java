package dev.llmlb.api.source;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One step of a source's plan.
 */
public sealed interface FetchPlan {

    /** Fetch these files, then ask the source again. */
    record Fetch(List<RemoteFile> files) implements FetchPlan {
        public Fetch {
            files = List.copyOf(files);
            if (files.isEmpty()) {
                throw new IllegalArgumentException("a fetch step needs at least one file");
            }
        }
    }

    /**
     * Every file is in place.
     *
     * @param format     the model format the files make, e.g. {@link ModelFormats#GGUF}; engines are chosen by it
     * @param properties what the source learned that engines may use, e.g. {@code architecture} or
     *                   {@code entry_file}; recorded in the model's manifest
     */
    record Complete(String format, Map<String, String> properties) implements FetchPlan {
        public Complete {
            Objects.requireNonNull(format, "format");
            properties = Map.copyOf(properties);
        }
    }
}
