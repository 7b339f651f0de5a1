package dev.llmlb.host.plugins;

import java.io.IOException;
import java.lang.module.Configuration;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Turns one plugin folder into its own {@link ModuleLayer}: the folder's jars are its modules, resolved against
 * the host's layer, so a plugin sees the api and the host's libraries (Jackson) but never another plugin, and
 * may carry its own versions of anything else. Jars in {@code classpath/} (native-library jars without a valid
 * module name) go to a class loader behind the layer, where the plugin finds them as resources.
 */
final class PluginLayers {

    private PluginLayers() {
    }

    /** The descriptors of the folder's modules, read without loading any of their classes. */
    static List<ModuleDescriptor> descriptors(Path folder) throws IOException {
        return ModuleFinder.of(jars(folder)).findAll().stream().map(ModuleReference::descriptor).toList();
    }

    static ModuleLayer define(Path folder, ModuleLayer parent) throws IOException {
        Path[] jars = jars(folder);
        if (jars.length == 0) {
            throw new IOException("no jar files in " + folder);
        }
        ModuleFinder finder = ModuleFinder.of(jars);
        Set<String> roots = finder.findAll().stream()
                .map(ModuleReference::descriptor)
                .map(d -> d.name())
                .collect(Collectors.toSet());
        Set<String> clashing = roots.stream().filter(name -> parent.findModule(name).isPresent())
                .collect(Collectors.toCollection(java.util.TreeSet::new));
        if (!clashing.isEmpty()) {
            throw new IOException("the folder holds modules the host already has: " + clashing
                    + "; remove those jars from the plugin folder");
        }
        Configuration configuration = parent.configuration().resolveAndBind(finder, ModuleFinder.of(), roots);
        ClassLoader parentLoader = classPathLoader(folder.resolve("classpath"), PluginLayers.class.getClassLoader());
        ModuleLayer.Controller controller = ModuleLayer.defineModulesWithOneLoader(configuration, List.of(parent),
                parentLoader);
        enableNativeAccess(controller);
        return controller.layer();
    }

    /**
     * Engines load native libraries (llama.cpp, ONNX Runtime, PyTorch). Java 22+ asks for native access to be
     * granted per module; for modules of a plugin layer that is the layer controller's call. Java 21 has no such
     * check, and no such method, hence reflection.
     */
    private static void enableNativeAccess(ModuleLayer.Controller controller) {
        java.lang.reflect.Method enable;
        try {
            enable = ModuleLayer.Controller.class.getMethod("enableNativeAccess", Module.class);
        } catch (NoSuchMethodException e) {
            return;
        }
        for (Module module : controller.layer().modules()) {
            try {
                enable.invoke(controller, module);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot grant native access to " + module.getName(), e);
            }
        }
    }

    private static Path[] jars(Path folder) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".jar") && Files.isRegularFile(p))
                    .sorted().toArray(Path[]::new);
        }
    }

    private static ClassLoader classPathLoader(Path folder, ClassLoader parent) throws IOException {
        if (!Files.isDirectory(folder)) {
            return parent;
        }
        List<URL> urls = new ArrayList<>();
        for (Path jar : jars(folder)) {
            try {
                urls.add(jar.toUri().toURL());
            } catch (MalformedURLException e) {
                throw new IOException(e);
            }
        }
        return urls.isEmpty() ? parent : new URLClassLoader("plugin-classpath:" + folder.getParent().getFileName(),
                urls.toArray(URL[]::new), parent);
    }
}
