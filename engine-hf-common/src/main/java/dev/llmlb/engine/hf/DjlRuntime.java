package dev.llmlb.engine.hf;

import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * Settings DJL reads from system properties, and the context class loader that DJL and Jinjava look up their
 * resources with.
 *
 * <p>DJL keeps its settings process-wide: the first engine to call {@link #configure} chooses the cache folder, and an
 * operator's {@code DJL_CACHE_DIR} environment variable beats both. Offline mode stops DJL from downloading natives
 * and from its start-up telemetry call, so nothing leaves the node.
 */
public final class DjlRuntime {

    private DjlRuntime() {
    }

    /**
     * Turns DJL's offline mode on and points its cache (where native libraries are extracted, once) at
     * {@code cacheDirectory} unless {@code DJL_CACHE_DIR} is already set. Loads nothing; cheap.
     *
     * @return the cache folder DJL will use
     */
    public static synchronized Path configure(Path cacheDirectory) {
        System.setProperty("ai.djl.offline", "true");
        // DJL's telemetry checks this older flag too.
        System.setProperty("offline", "true");
        String fromEnvironment = System.getenv("DJL_CACHE_DIR");
        if (fromEnvironment != null && !fromEnvironment.isBlank()) {
            return Path.of(fromEnvironment);
        }
        String current = System.getProperty("DJL_CACHE_DIR");
        if (current == null || current.isBlank()) {
            System.setProperty("DJL_CACHE_DIR", cacheDirectory.toAbsolutePath().toString());
            return cacheDirectory.toAbsolutePath();
        }
        return Path.of(current);
    }

    /**
     * Runs {@code action} with this plugin's class loader as the thread's context class loader. DJL finds its
     * native-library descriptors ({@code native/lib/*.properties}) and its engines, and Jinjava its expression
     * classes, through the context class loader, which on a host thread is the host's and cannot see the plugin's
     * jars.
     */
    public static <T> T withPluginClassLoader(Supplier<T> action) {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(DjlRuntime.class.getClassLoader());
        try {
            return action.get();
        } finally {
            thread.setContextClassLoader(previous);
        }
    }
}
