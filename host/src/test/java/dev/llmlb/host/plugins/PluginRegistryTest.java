package dev.llmlb.host.plugins;

import dev.llmlb.testkit.tck.TestPluginContext;
import dev.llmlb.api.PluginContext;
import dev.llmlb.host.support.PluginJars;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PluginRegistryTest {

    private static final PluginContext CONTEXT = TestPluginContext.in(Path.of(System.getProperty("java.io.tmpdir")));
    /** The api these tests compile their plugins against: this build's. */
    private static final String API = PluginContext.class.getModule().getDescriptor().rawVersion().orElseThrow();

    @TempDir
    static Path built;
    private static Path libV1;
    private static Path libV2;

    @TempDir
    Path plugins;

    @BeforeAll
    static void buildLibraries() {
        libV1 = PluginJars.build(PluginJars.sources("lib-v1"), built.resolve("v1/test-lib-1.0.jar"), List.of());
        libV2 = PluginJars.build(PluginJars.sources("lib-v2"), built.resolve("v2/test-lib-2.0.jar"), List.of());
    }

    private Path install(String folder, String plugin, Path... libraries) throws IOException {
        Path dir = Files.createDirectories(plugins.resolve(folder));
        PluginJars.build(PluginJars.sources(plugin), dir.resolve(plugin + ".jar"), List.of(libraries));
        for (Path library : libraries) {
            Files.copy(library, dir.resolve(library.getFileName()));
        }
        return dir;
    }

    @Test
    void twoPluginsWithDifferentVersionsOfOneLibraryEachSeeTheirOwn() throws IOException {
        Path alpha = install("alpha", "alpha", libV1);
        Path beta = install("beta", "beta", libV2);
        try (PluginRegistry registry = PluginRegistry.load(Optional.of(plugins), CONTEXT)) {
            assertTrue(registry.source("alpha_lib1").isPresent(), registry.plugins().toString());
            assertTrue(registry.source("beta_lib2").isPresent(), registry.plugins().toString());
            assertEquals(List.of(), registry.failures());
            List<PluginInfo> infos = registry.plugins();
            assertTrue(infos.contains(new PluginInfo("source", "alpha_lib1", java.util.Set.of(), "test.alpha",
                    alpha.toString(), API)), infos.toString());
            assertTrue(infos.contains(new PluginInfo("source", "beta_lib2", java.util.Set.of(), "test.beta",
                    beta.toString(), API)), infos.toString());
            assertTrue(registry.source("alpha_lib1").get().getClass().getModule().getLayer()
                    != registry.source("beta_lib2").get().getClass().getModule().getLayer());
        }
    }

    @Test
    void brokenPluginsAreReportedWithTheirFolderAndTheRestStillLoads() throws IOException {
        install("alpha", "alpha", libV1);
        Path broken = install("broken", "broken");
        // Compiled against the library, installed without it: the layer cannot resolve.
        Path unresolvable = Files.createDirectories(plugins.resolve("no-lib"));
        PluginJars.build(PluginJars.sources("beta"), unresolvable.resolve("beta.jar"), List.of(libV2));
        Path notAJar = Files.createDirectories(plugins.resolve("not-a-jar"));
        Files.writeString(notAJar.resolve("plugin.jar"), "this is not a zip file");
        Path empty = Files.createDirectories(plugins.resolve("empty"));
        try (PluginRegistry registry = PluginRegistry.load(Optional.of(plugins), CONTEXT)) {
            assertTrue(registry.source("alpha_lib1").isPresent());
            List<PluginFailure> failures = registry.failures();
            assertEquals(4, failures.size(), failures.toString());
            assertFailure(failures, broken, "missing native library libbroken.so");
            assertFailure(failures, unresolvable, "test.lib");
            assertFailure(failures, notAJar, "plugin.jar");
            assertFailure(failures, empty, "no jar files");
        }
    }

    @Test
    void aDuplicateNameIsRejectedNamingBothLocations() throws IOException {
        Path first = install("a-alpha", "alpha", libV1);
        Path second = install("b-dup", "dup");
        try (PluginRegistry registry = PluginRegistry.load(Optional.of(plugins), CONTEXT)) {
            assertEquals("test.alpha", registry.plugins().stream().filter(p -> p.name().equals("alpha_lib1"))
                    .findFirst().orElseThrow().module());
            assertEquals(1, registry.failures().size());
            PluginFailure failure = registry.failures().get(0);
            assertEquals(second.toString(), failure.location());
            assertTrue(failure.reason().contains("'alpha_lib1' is already provided by " + first), failure.reason());
        }
    }

    @Test
    void aFolderThatRepeatsTheHostsJarsIsRefusedWithAClearReason() throws IOException {
        Path dir = install("with-api", "alpha", libV1);
        jarOf(PluginJars.apiLocation(), dir.resolve("llmlb-api.jar"));
        try (PluginRegistry registry = PluginRegistry.load(Optional.of(plugins), CONTEXT)) {
            assertFailure(registry.failures(), dir, "modules the host already has: [dev.llmlb.api]");
            assertTrue(registry.source("alpha_lib1").isEmpty());
        }
    }

    @Test
    void aMissingPluginFolderLeavesOnlyTheModulePath() {
        try (PluginRegistry registry = PluginRegistry.load(Optional.of(plugins.resolve("absent")), CONTEXT)) {
            assertEquals(List.of(), registry.failures());
            assertTrue(registry.plugins().stream().allMatch(p -> p.location().equals("module path")));
        }
    }

    private static void assertFailure(List<PluginFailure> failures, Path folder, String reasonPart) {
        assertTrue(failures.stream().anyMatch(f -> f.location().equals(folder.toString())
                && f.reason().contains(reasonPart)), "no failure for " + folder + " mentioning '" + reasonPart
                + "' in " + failures);
    }

    /** The api as a jar, whether the reactor hands it over as a jar or as a classes folder. */
    private static void jarOf(Path location, Path jar) throws IOException {
        if (Files.isRegularFile(location)) {
            Files.copy(location, jar);
            return;
        }
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream zip = new JarOutputStream(out);
             Stream<Path> files = Files.walk(location)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                zip.putNextEntry(new JarEntry(location.relativize(file).toString()));
                zip.write(Files.readAllBytes(file));
                zip.closeEntry();
            }
        }
    }
}
