package dev.llmlb.testkit.tck;

import dev.llmlb.api.ModelSpec;
import dev.llmlb.api.PluginContext;
import dev.llmlb.api.source.FetchPlan;
import dev.llmlb.api.source.ModelSource;
import dev.llmlb.api.source.ModelSourceFactory;
import dev.llmlb.api.source.PlanningException;
import dev.llmlb.api.source.RemoteFile;
import dev.llmlb.testkit.hub.FakeHub;
import dev.llmlb.testkit.source.PlanRunner;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the node relies on from every {@link ModelSource}. A plugin author extends this class in a JUnit 5 test,
 * says how to make a valid entry (and puts its files on the fake hub), and gets these checks: a well-formed name,
 * validation that names fields, a plan that ends in a few steps with safe relative paths and absolute URIs, a
 * plan that stays complete once complete, and missing repositories reported as {@link PlanningException}.
 */
public abstract class ModelSourceContract {

    /** The fake hub each test gets, closed after it. */
    protected final FakeHub hub = FakeHub.start();

    @TempDir
    protected Path folder;

    /** The plugin's factory, as {@link java.util.ServiceLoader} would create it. */
    protected abstract ModelSourceFactory factory();

    /** A valid catalog entry for this source whose files the method puts on {@code hub}. */
    protected abstract ModelSpec validModel(FakeHub hub);

    /** An entry this source must refuse in {@link ModelSource#validate}. */
    protected abstract ModelSpec invalidModel();

    /**
     * The context the node would give the plugin: {@code HF_ENDPOINT} set to the fake hub, as an operator points
     * the node at a mirror. Override to pass other settings.
     */
    protected PluginContext context() {
        return new TestPluginContext(Map.of("HF_ENDPOINT", hub.endpoint().toString()), folder, false);
    }

    @AfterEach
    void closeHub() {
        hub.close();
    }

    private ModelSource source() {
        ModelSource source = factory().create(context());
        assertNotNull(source, "create() returned null");
        return source;
    }

    @Test
    void theNameIsASourceValue() {
        assertTrue(factory().name().matches("[a-z][a-z0-9_]{0,63}"),
                "a source name is what supported_models.json's \"source\" holds: " + factory().name());
    }

    @Test
    void aValidEntryPassesValidation() {
        ModelSpec spec = validModel(hub);
        assertEquals(List.of(), source().validate(spec));
    }

    @Test
    void problemsNameTheirField() {
        List<String> problems = source().validate(invalidModel());
        assertFalse(problems.isEmpty(), "the invalid entry was accepted");
        for (String problem : problems) {
            assertTrue(problem.matches("[a-z_]+(\\[\\d+])?(\\.[a-z_]+)?: .+"),
                    "a problem starts with the field it is about, e.g. \"repo_id: ...\": " + problem);
        }
    }

    @Test
    void thePlanEndsWithSafePathsAndAFormat() {
        ModelSpec spec = validModel(hub);
        PlanRunner.Result result = new PlanRunner().run(source(), spec, folder.resolve("model"));
        assertFalse(result.steps().isEmpty(), "a model has files to fetch");
        for (List<RemoteFile> step : result.steps()) {
            for (RemoteFile file : step) {
                assertTrue(file.uri().isAbsolute(), "absolute URI: " + file.uri());
                assertTrue(file.sizeBytes() == RemoteFile.UNKNOWN_SIZE || file.sizeBytes() >= 0);
                file.sha256().ifPresent(sha -> assertTrue(sha.matches("[0-9a-f]{64}"), "sha256: " + sha));
            }
        }
        assertFalse(result.complete().format().isBlank());
        source().expectedFormat().ifPresent(format -> assertEquals(format, result.complete().format(),
                "the format the source announced is the one it reports"));
    }

    @Test
    void aCompletedPlanStaysComplete() {
        ModelSpec spec = validModel(hub);
        Path model = folder.resolve("model");
        PlanRunner.Result result = new PlanRunner().run(source(), spec, model);
        FetchPlan again = source().plan(spec, result.context());
        assertTrue(again instanceof FetchPlan.Complete, "planning again after completion must not ask for more: "
                + again);
    }

    @Test
    void aMissingRepositoryIsAPlanningException() {
        org.junit.jupiter.api.Assumptions.assumeTrue(readsTheRepository(),
                "this source plans without reading the repository; the host reports missing files when it fetches");
        ModelSpec valid = validModel(hub);
        ModelSpec missing = new ModelSpec(valid.id(), valid.name(), valid.source(), missingRepo(valid),
                valid.revision(), valid.artifacts(), valid.requiredVramMb(), valid.tags());
        assertThrows(PlanningException.class, () -> new PlanRunner().run(source(), missing,
                folder.resolve("missing")));
    }

    /** Whether planning reads the repository (a tree listing, an index), so that it can tell one is missing. */
    protected boolean readsTheRepository() {
        return true;
    }

    /** A repository id for this source that the hub does not have. */
    protected String missingRepo(ModelSpec valid) {
        return "nobody/nothing-here";
    }
}
