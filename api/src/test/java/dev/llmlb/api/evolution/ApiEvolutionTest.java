package dev.llmlb.api.evolution;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The evolution rule on small surfaces. */
class ApiEvolutionTest {

    private static final String TYPE = "a.Source | type | public abstract interface a.Source";
    private static final String PLAN = "a.Source | method | public abstract a.Plan a.Source.plan(a.Spec)";
    private static final String NAME_DEFAULT = "a.Source | method | public default java.lang.String a.Source.name()";
    private static final String NAME_ABSTRACT = "a.Source | method | public abstract java.lang.String a.Source.name()";
    private static final String NEW_TYPE = "a.Extra | type | public final class a.Extra";
    private static final Set<String> V1 = Set.of(TYPE, PLAN);

    private static ApiEvolution.Version v(String text) {
        return ApiEvolution.Version.parse(text);
    }

    private static List<String> step(Set<String> to, String from, String version) {
        return ApiEvolution.problems(V1, v(from), to, v(version));
    }

    @Test
    void nothingChangedIsFineAtAnyNewerVersion() {
        assertEquals(List.of(), step(V1, "1.0.0", "1.0.0"));
        assertEquals(List.of(), step(V1, "1.0.0", "1.0.1"));
        assertEquals(List.of(), step(V1, "1.0.0", "2.0.0"));
    }

    @Test
    void additionsNeedANewMinorVersion() {
        Set<String> added = Set.of(TYPE, PLAN, NAME_DEFAULT, NEW_TYPE);
        List<String> problems = step(added, "1.0.0", "1.0.1");
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("added without a new minor version (1.0.0 -> 1.0.1)"));
        assertTrue(problems.get(0).contains(NAME_DEFAULT) && problems.get(0).contains(NEW_TYPE));
        assertEquals(List.of(), step(added, "1.0.0", "1.1.0"));
        assertEquals(List.of(), step(added, "1.0.0", "2.0.0"));
    }

    @Test
    void removalsAndChangesNeedANewMajorVersion() {
        Set<String> changed = Set.of(TYPE, PLAN.replace("(a.Spec)", "(a.Spec,int)"));
        List<String> problems = step(changed, "1.0.0", "1.5.0");
        assertTrue(problems.get(0).startsWith("removed or changed without a new major version"), problems.get(0));
        assertTrue(problems.get(0).contains(PLAN), problems.get(0));
        assertEquals(2, problems.size(), "the changed abstract method is also a new one: " + problems);
        assertEquals(List.of(), step(changed, "1.0.0", "2.0.0"));
        assertTrue(step(Set.of(TYPE), "1.0.0", "1.1.0").get(0).contains(PLAN), "a removed method");
    }

    @Test
    void anAbstractMethodInAnExistingTypeNeedsANewMajorVersionButNotInANewType() {
        List<String> problems = step(Set.of(TYPE, PLAN, NAME_ABSTRACT), "1.0.0", "1.1.0");
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("abstract methods added to existing types"), problems.get(0));
        assertEquals(List.of(), step(Set.of(TYPE, PLAN, NAME_ABSTRACT), "1.0.0", "2.0.0"));
        String newInterface = "a.Hook | type | public abstract interface a.Hook";
        String hookMethod = "a.Hook | method | public abstract void a.Hook.run()";
        assertEquals(List.of(), step(Set.of(TYPE, PLAN, newInterface, hookMethod), "1.0.0", "1.1.0"));
    }

    @Test
    void aNewConstantInAnExistingEnumNeedsANewMajorVersion() {
        String placement = "a.Placement | type | public enum a.Placement";
        String cpu = "a.Placement | enum constant | CPU";
        Set<String> recorded = Set.of(placement, cpu);
        List<String> problems = ApiEvolution.problems(recorded, v("1.0.0"),
                Set.of(placement, cpu, "a.Placement | enum constant | NPU"), v("1.1.0"));
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("constants added to existing enums"), problems.get(0));
        assertEquals(List.of(), ApiEvolution.problems(recorded, v("1.0.0"),
                Set.of(placement, cpu, "a.Placement | enum constant | NPU"), v("2.0.0")));
    }

    @Test
    void theVersionNeverGoesBackAndEveryNewVersionIsRecorded() {
        assertTrue(step(V1, "1.2.0", "1.1.0").get(0).contains("older than the recorded 1.2.0"));
        assertTrue(ApiEvolution.needsRecording(v("1.0.0"), v("1.0.1")));
        assertTrue(!ApiEvolution.needsRecording(v("1.0.0"), v("1.0.0")));
    }
}
