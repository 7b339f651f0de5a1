package dev.llmlb.api.evolution;

import dev.llmlb.api.ModelSpec;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Guards how the api evolves: its public surface, compared with the one recorded in {@code api/api-baseline.txt}
 * for the version named there, may change only as {@link ApiEvolution} allows for the api's version now.
 *
 * <p>To change the api: step the version in {@code platform/pom.xml} (and {@code llmlb.platform.version} in the
 * root pom), change the code, then record the new surface with
 * {@code mvn -pl api verify -Dllmlb.api.record=true}; recording refuses a change the version step does not allow.
 */
class ApiBaselineTest {

    private static final String HEADER = """
            # The public surface of llmlb-api, one line per type and member: <type> | <kind> | <declaration>.
            # Written by ApiBaselineTest; how the api may change is in docs/plugins.md ("How the api evolves").
            # After stepping the version and changing the api: mvn -pl api verify -Dllmlb.api.record=true
            """;
    private static final String VERSION_LINE = "version ";

    private static final Path BASELINE = Path.of(System.getProperty("llmlb.api.baseline", "api-baseline.txt"));
    private static final boolean RECORD = Boolean.getBoolean("llmlb.api.record");

    @Test
    void theApiChangesOnlyAsItsVersionAllows() throws IOException {
        ApiEvolution.Version version = ApiEvolution.Version.parse(projectVersion());
        Set<String> current = ApiSurface.of(ModelSpec.class.getModule(), classes());
        assertTrue(current.size() > 50, "read too little of the api: " + current);
        if (!Files.exists(BASELINE)) {
            record(version, current);
            fail("no baseline at " + BASELINE + "; recorded one for " + version + ": commit it");
        }
        List<String> lines = Files.readAllLines(BASELINE, StandardCharsets.UTF_8);
        ApiEvolution.Version recordedVersion = lines.stream().filter(l -> l.startsWith(VERSION_LINE)).findFirst()
                .map(l -> ApiEvolution.Version.parse(l.substring(VERSION_LINE.length()).strip()))
                .orElseThrow(() -> new AssertionError(BASELINE + " names no version"));
        Set<String> recorded = new TreeSet<>(lines.stream()
                .filter(l -> !l.isBlank() && !l.startsWith("#") && !l.startsWith(VERSION_LINE)).toList());
        List<String> problems = ApiEvolution.problems(recorded, recordedVersion, current, version);
        if (!problems.isEmpty()) {
            fail("the api changed in ways version " + version + " does not allow against " + BASELINE + " ("
                    + recordedVersion + "):\n" + String.join("\n", problems));
        }
        boolean changed = !recorded.equals(current) || ApiEvolution.needsRecording(recordedVersion, version);
        if (changed && RECORD) {
            record(version, current);
        } else if (changed) {
            fail("the api's surface or version changed (" + recordedVersion + " -> " + version + ") as the "
                    + "rules allow, but the baseline is not recorded: mvn -pl api verify -Dllmlb.api.record=true");
        }
    }

    @Test
    void theCompiledModuleCarriesTheProjectsVersion() {
        // javac writes it into module-info.class, and every plugin compiled against the api records it; a stale
        // target/classes after a version step would hand plugins the old one.
        assertEquals(projectVersion(), ModelSpec.class.getModule().getDescriptor().rawVersion().orElse("none"),
                "the compiled api module has another version than the project: run mvn clean");
    }

    private static String projectVersion() {
        String version = System.getProperty("llmlb.api.version");
        assertTrue(version != null && !version.isBlank(), "run through Maven: llmlb.api.version is not set");
        return version;
    }

    private static Path classes() {
        try {
            return Path.of(ModelSpec.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void record(ApiEvolution.Version version, Set<String> surface) throws IOException {
        List<String> out = new ArrayList<>(HEADER.lines().toList());
        out.add(VERSION_LINE + version);
        out.addAll(surface);
        Files.write(BASELINE, out, StandardCharsets.UTF_8);
    }
}
