package dev.llmlb.host.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/**
 * Builds real plugin jars during a test: compiles the Java sources of a folder under
 * {@code src/test/resources/plugins/} as a module against the api (and any extra jars) and packs them with their
 * resources, exactly as a third party would build a plugin.
 */
public final class PluginJars {

    private PluginJars() {
    }

    /** Where the api module lives (its jar, or its classes folder in the reactor). */
    public static Path apiLocation() {
        return locationOf(dev.llmlb.api.ModelSpec.class);
    }

    public static Path locationOf(Class<?> type) {
        try {
            return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The api as a jar whose module descriptor says {@code version}: what a plugin compiled against another release
     * of the api sees. javac records that version in the plugin's {@code requires dev.llmlb.api}.
     */
    public static Path apiJar(Path jar, String version) {
        Path api = apiLocation();
        List<String> args = Files.isDirectory(api)
                ? List.of("--create", "--file", jar.toString(), "--module-version", version, "-C", api.toString(), ".")
                : List.of("--update", "--file", jar.toString(), "--module-version", version);
        try {
            Files.createDirectories(jar.toAbsolutePath().getParent());
            if (!Files.isDirectory(api)) {
                Files.copy(api, jar);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        java.util.spi.ToolProvider tool = java.util.spi.ToolProvider.findFirst("jar").orElseThrow(() ->
                new IllegalStateException("the jar tool is not available; run the tests on a JDK"));
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        PrintWriter report = new PrintWriter(errors, true, StandardCharsets.UTF_8);
        if (tool.run(report, report, args.toArray(String[]::new)) != 0) {
            throw new IllegalStateException("cannot stamp the api jar: " + errors.toString(StandardCharsets.UTF_8));
        }
        return jar;
    }

    /** The folder of a test plugin's sources: {@code src/test/resources/plugins/<name>}. */
    public static Path sources(String name) {
        try {
            return Path.of(PluginJars.class.getResource("/plugins/" + name).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("no test plugin sources named " + name, e);
        }
    }

    /**
     * Compiles {@code sourceDir} (Java files plus other files copied as resources) into {@code jar}.
     *
     * @param modulePath jars the plugin compiles against besides the api
     */
    public static Path build(Path sourceDir, Path jar, List<Path> modulePath) {
        return build(sourceDir, jar, modulePath, apiLocation());
    }

    /**
     * Compiles {@code sourceDir} against {@code api} (an api jar, e.g. one {@link #apiJar} stamped with another
     * version). Sources without a {@code module-info.java} become a plain jar, which the node sees as an automatic
     * module.
     */
    public static Path build(Path sourceDir, Path jar, List<Path> modulePath, Path api) {
        try {
            Path classes = Files.createTempDirectory("plugin-classes");
            List<String> args = new ArrayList<>(List.of("-d", classes.toString(), "--release", "21",
                    "-proc:none", "-nowarn"));
            List<Path> path = new ArrayList<>(modulePath);
            path.add(api);
            args.add("--module-path");
            args.add(String.join(java.io.File.pathSeparator, path.stream().map(Path::toString).toList()));
            List<Path> javaFiles;
            try (Stream<Path> files = Files.walk(sourceDir)) {
                javaFiles = files.filter(p -> p.toString().endsWith(".java")).toList();
            }
            if (javaFiles.stream().noneMatch(p -> p.getFileName().toString().equals("module-info.java"))) {
                args.addAll(List.of("--add-modules", "ALL-MODULE-PATH"));
            }
            javaFiles.forEach(p -> args.add(p.toString()));
            java.util.spi.ToolProvider javac = java.util.spi.ToolProvider.findFirst("javac").orElseThrow(() ->
                    new IllegalStateException("javac is not available; run the tests on a JDK"));
            ByteArrayOutputStream errors = new ByteArrayOutputStream();
            PrintWriter report = new PrintWriter(errors, true, StandardCharsets.UTF_8);
            int status = javac.run(report, report, args.toArray(String[]::new));
            if (status != 0) {
                throw new IllegalStateException("cannot compile " + sourceDir + ":\n"
                        + errors.toString(StandardCharsets.UTF_8));
            }
            try (Stream<Path> files = Files.walk(sourceDir)) {
                for (Path resource : files.filter(Files::isRegularFile)
                        .filter(p -> !p.toString().endsWith(".java")).toList()) {
                    Path target = classes.resolve(sourceDir.relativize(resource).toString());
                    Files.createDirectories(target.getParent());
                    Files.copy(resource, target);
                }
            }
            Files.createDirectories(jar.toAbsolutePath().getParent());
            try (OutputStream out = Files.newOutputStream(jar); JarOutputStream zip = new JarOutputStream(out);
                 Stream<Path> files = Files.walk(classes)) {
                for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
                    zip.putNextEntry(new JarEntry(classes.relativize(file).toString().replace('\\', '/')));
                    zip.write(Files.readAllBytes(file));
                    zip.closeEntry();
                }
            }
            return jar;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
