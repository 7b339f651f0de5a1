package dev.llmlb.it;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The node's lib/ is what every node loads: it must hold no test framework. The demo ships the testkit (its fake hub
 * and model writers), which is why the contract tests, the only part that needs JUnit, live in llmlb-plugin-tck.
 */
class LibFolderTest {

    /** Jars of test frameworks and of the plugin TCK, by the start of their file names. */
    private static final List<String> TEST_LIBRARIES = List.of("junit-", "opentest4j-", "apiguardian-",
            "llmlb-plugin-tck-", "hamcrest-", "assertj-", "mockito-");

    @Test
    void libHoldsNoTestLibrary() throws IOException {
        List<String> jars;
        try (Stream<Path> files = Files.list(DistNode.dist().resolve("lib"))) {
            jars = files.map(p -> p.getFileName().toString()).sorted().toList();
        }
        assertTrue(jars.stream().anyMatch(name -> name.startsWith("llmlb-host-")), "not the node's lib/: " + jars);
        List<String> testLibraries = jars.stream()
                .filter(name -> TEST_LIBRARIES.stream().anyMatch(name.toLowerCase(Locale.ROOT)::startsWith))
                .toList();
        assertEquals(List.of(), testLibraries, "test libraries in lib/");
    }
}
