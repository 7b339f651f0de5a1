package dev.llmlb.engine.hf;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

class DjlRuntimeTest {

    @Test
    void djlIsOfflineAndTheFirstCacheFolderStays() {
        Path first = DjlRuntime.configure(Path.of(System.getProperty("user.home"), ".djl.ai"));
        assertEquals("true", System.getProperty("ai.djl.offline"));
        assertEquals("true", System.getProperty("offline"), "DJL's telemetry checks this one");
        assertEquals(first, DjlRuntime.configure(Path.of("/elsewhere")), "settings are process-wide: first wins");
        assertEquals(first.toString(), System.getenv("DJL_CACHE_DIR") != null ? System.getenv("DJL_CACHE_DIR")
                : System.getProperty("DJL_CACHE_DIR"));
    }

    @Test
    void thePluginClassLoaderIsTheContextLoaderOnlyWhileTheActionRuns() {
        ClassLoader before = Thread.currentThread().getContextClassLoader();
        ClassLoader during = DjlRuntime.withPluginClassLoader(() -> Thread.currentThread().getContextClassLoader());
        assertSame(DjlRuntime.class.getClassLoader(), during);
        assertSame(before, Thread.currentThread().getContextClassLoader());
    }
}
