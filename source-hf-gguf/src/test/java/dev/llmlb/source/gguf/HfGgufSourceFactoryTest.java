package dev.llmlb.source.gguf;

import dev.llmlb.api.source.ModelSourceFactory;
import dev.llmlb.testkit.tck.TestPluginContext;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;

class HfGgufSourceFactoryTest {

    @Test
    void isNamedHfGgufAndCreatesTheSource() {
        HfGgufSourceFactory factory = new HfGgufSourceFactory();
        assertEquals("hf_gguf", factory.name());
        assertInstanceOf(HfGgufSource.class, factory.create(TestPluginContext.in(Path.of("."))));
    }

    @Test
    void isProvidedToTheModulePathAndTheClassPath() throws IOException {
        ModuleDescriptor descriptor = HfGgufSourceFactory.class.getModule().getDescriptor();
        assertNotNull(descriptor, "the tests run inside the named module");
        assertEquals(List.of(ModelSourceFactory.class.getName() + " with " + List.of(
                        HfGgufSourceFactory.class.getName())),
                descriptor.provides().stream().map(p -> p.service() + " with " + p.providers()).toList());
        try (InputStream in = HfGgufSourceFactory.class.getModule()
                .getResourceAsStream("META-INF/services/" + ModelSourceFactory.class.getName())) {
            assertNotNull(in, "the class-path service file exists");
            assertEquals(HfGgufSourceFactory.class.getName(), new String(in.readAllBytes(), StandardCharsets.UTF_8)
                    .strip());
        }
    }
}
