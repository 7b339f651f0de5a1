package dev.llmlb.host.catalog;

import dev.llmlb.api.ModelSpec;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The models this node may serve, as listed in {@code supported_models.json}, in file order.
 */
public final class Catalog {

    private final Map<String, ModelSpec> byId = new LinkedHashMap<>();

    public Catalog(List<ModelSpec> models) {
        for (ModelSpec model : models) {
            if (byId.putIfAbsent(model.id(), model) != null) {
                throw new IllegalArgumentException("duplicate model id " + model.id());
            }
        }
    }

    public Optional<ModelSpec> find(String id) {
        return Optional.ofNullable(byId.get(id));
    }

    public List<ModelSpec> models() {
        return List.copyOf(byId.values());
    }
}
