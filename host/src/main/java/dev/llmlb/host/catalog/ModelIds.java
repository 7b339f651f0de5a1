package dev.llmlb.host.catalog;

import dev.llmlb.api.source.SafePath;

/** The shape of a model id, which is also a folder name under the models folder: the api's rule. */
public final class ModelIds {

    private ModelIds() {
    }

    /**
     * Whether {@code id} is a valid model id: letters, digits, {@code . _ -}, 1 to 128 of them, not {@code .},
     * {@code ..} or the locks folder {@code .locks} ({@link SafePath#modelIdProblem}).
     */
    public static boolean isValid(String id) {
        return SafePath.modelIdProblem(id).isEmpty();
    }
}
