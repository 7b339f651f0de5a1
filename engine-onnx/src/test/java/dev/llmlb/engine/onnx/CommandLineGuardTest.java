package dev.llmlb.engine.onnx;

import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CommandLineGuardTest {

    @Test
    void aCommandLineOnnxRuntimeWouldCrashOnIsRefusedWithAMessage() {
        assertEquals(Optional.empty(), CommandLineGuard.problem(3980, "1.29.0"));
        String message = CommandLineGuard.problem(3981, "1.29.0").orElseThrow();
        assertEquals("this node's Java command line is 3981 bytes; ONNX Runtime 1.29.0 crashes the JVM when it is "
                + "longer than 3980, so the onnx engine does not start it: shorten LLMLB_JAVA_OPTS, or pass long "
                + "options in an @argfile or the class path in CLASSPATH", message);
        assertTrue(CommandLineGuard.problem(10_000, null).isPresent(), "an unknown version is treated as affected");
        assertEquals(Optional.empty(), CommandLineGuard.problem(10_000, "1.30.0"));
    }

    @Test
    void theBundledRuntimeIsTheAffectedVersion() {
        // When the runtime is upgraded, this fails: check whether the crash is gone and retire the guard.
        assertEquals("1.29.0", CommandLineGuard.runtimeVersion());
    }
}
