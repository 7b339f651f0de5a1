package dev.llmlb.host.plugins;

import org.junit.jupiter.api.Test;

import java.lang.module.ModuleDescriptor;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The rule itself, over module descriptors as javac writes them. */
class ApiCompatibilityTest {

    private static final ApiCompatibility NODE_1_4 = ApiCompatibility.forNodeVersion(Optional.of("1.4.2"));
    private static final Set<String> SERVICES = Set.of("dev.llmlb.api.source.ModelSourceFactory");

    private static ModuleDescriptor pluginBuiltFor(String apiVersion) {
        return ModuleDescriptor.newModule("org.example.plugin")
                .requires(Set.of(), "dev.llmlb.api", ModuleDescriptor.Version.parse(apiVersion))
                .provides("dev.llmlb.api.source.ModelSourceFactory", List.of("org.example.plugin.Factory"))
                .build();
    }

    @Test
    void theSameMajorAndAnOlderOrEqualMinorRun() {
        for (String version : List.of("1.0.0", "1.3.9", "1.4.0", "1.4.7", "1.4.2-SNAPSHOT", "1.2")) {
            assertEquals(Optional.empty(), NODE_1_4.refusal(pluginBuiltFor(version)), version);
        }
    }

    @Test
    void anotherMajorOrANewerMinorIsRefused() {
        for (String version : List.of("0.9.0", "2.0.0", "1.5.0", "1.10.0", "0.1.0-SNAPSHOT")) {
            Optional<String> reason = NODE_1_4.refusal(pluginBuiltFor(version));
            assertTrue(reason.isPresent(), version);
            assertTrue(reason.get().startsWith("plugin module org.example.plugin was built for api " + version),
                    reason.get());
        }
    }

    @Test
    void aModuleThatRecordsNoVersionIsRefused() {
        ModuleDescriptor unversioned = ModuleDescriptor.newModule("org.example.plain").requires("dev.llmlb.api")
                .build();
        assertTrue(NODE_1_4.refusal(unversioned).orElseThrow().contains("records no version for dev.llmlb.api"));
        ModuleDescriptor automatic = ModuleDescriptor.newAutomaticModule("plain").build();
        assertTrue(NODE_1_4.refusal(automatic).orElseThrow().contains("automatic module"));
    }

    @Test
    void aFolderIsRefusedForAnyProviderOrLibraryBuiltForAnotherApi() {
        ModuleDescriptor library = ModuleDescriptor.newModule("org.example.shared")
                .requires(Set.of(), "dev.llmlb.api", ModuleDescriptor.Version.parse("2.0.0")).build();
        ModuleDescriptor unrelated = ModuleDescriptor.newAutomaticModule("gson").build();
        assertEquals(Optional.empty(), NODE_1_4.refusal(List.of(pluginBuiltFor("1.1.0"), unrelated), SERVICES),
                "a third-party library that knows nothing of the api is fine");
        assertTrue(NODE_1_4.refusal(List.of(pluginBuiltFor("1.1.0"), library), SERVICES).orElseThrow()
                .contains("org.example.shared was built for api 2.0.0"));
    }

    @Test
    void aNodeWhoseApiHasNoVersionChecksNothing() {
        ApiCompatibility unknown = ApiCompatibility.forNodeVersion(Optional.empty());
        assertEquals(Optional.empty(), unknown.refusal(pluginBuiltFor("9.0.0")));
        assertEquals(Optional.empty(), unknown.refusal(ModuleDescriptor.newAutomaticModule("x").build()));
    }
}
