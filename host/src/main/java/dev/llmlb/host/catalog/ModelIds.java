package dev.llmlb.host.catalog;

import java.util.regex.Pattern;

/** The shape of a model id, which is also a folder name under the models folder. */
public final class ModelIds {

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]{1,128}");

    private ModelIds() {
    }

    /** Whether {@code id} is a valid model id: letters, digits, {@code . _ -}, 1 to 128 of them, not {@code .}/{@code ..}. */
    public static boolean isValid(String id) {
        return id != null && ID.matcher(id).matches() && !id.equals(".") && !id.equals("..");
    }
}
