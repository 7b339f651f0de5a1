package dev.llmlb.host;

import org.junit.jupiter.api.Test;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The host's packages form layers: no package depends on another that depends back on it, and the HTTP layer is
 * the top one, used only by the package that wires the node together. Read from the compiled classes (every class a
 * class file names, imported or written out in full), so nothing slips past as it could past an import scan.
 */
class PackageDependenciesTest {

    private static final String HOST = "dev.llmlb.host";
    private static final String HTTP = HOST + ".http";
    /** The packages that may use http: the wiring of the node ({@link Node}, the log format's request ids). */
    private static final Set<String> ABOVE_HTTP = Set.of(HOST);

    @Test
    void theHostsPackagesHaveNoCycles() throws IOException {
        Map<String, Set<String>> graph = packageGraph();
        assertTrue(graph.size() > 10, "read too few packages: " + graph.keySet());
        List<List<String>> cycles = new ArrayList<>();
        for (String start : graph.keySet()) {
            findCycle(graph, start).ifPresent(cycles::add);
        }
        assertEquals(List.of(), cycles, "package cycles (each a path back to its start), in " + describe(graph));
    }

    @Test
    void onlyTheNodesWiringUsesTheHttpPackage() throws IOException {
        Map<String, Set<String>> graph = packageGraph();
        assertTrue(graph.containsKey(HTTP), graph.keySet().toString());
        Set<String> users = new TreeSet<>();
        graph.forEach((from, to) -> {
            if (to.contains(HTTP) && !ABOVE_HTTP.contains(from)) {
                users.add(from);
            }
        });
        assertEquals(Set.of(), users, "packages below http that use it, in " + describe(graph));
    }

    /** A path from {@code start} back to itself, if there is one (breadth first: the shortest). */
    private static java.util.Optional<List<String>> findCycle(Map<String, Set<String>> graph, String start) {
        Map<String, String> cameFrom = new TreeMap<>();
        Deque<String> queue = new ArrayDeque<>(graph.getOrDefault(start, Set.of()));
        graph.getOrDefault(start, Set.of()).forEach(next -> cameFrom.put(next, start));
        while (!queue.isEmpty()) {
            String at = queue.poll();
            if (at.equals(start)) {
                List<String> path = new ArrayList<>();
                String step = cameFrom.get(start);
                path.add(start);
                while (!step.equals(start)) {
                    path.add(0, step);
                    step = cameFrom.get(step);
                }
                path.add(0, start);
                return java.util.Optional.of(path);
            }
            for (String next : graph.getOrDefault(at, Set.of())) {
                if (!cameFrom.containsKey(next)) {
                    cameFrom.put(next, at);
                    queue.add(next);
                }
            }
        }
        return java.util.Optional.empty();
    }

    private static String describe(Map<String, Set<String>> graph) {
        StringBuilder text = new StringBuilder();
        graph.forEach((from, to) -> text.append('\n').append(from).append(" -> ").append(to));
        return text.toString();
    }

    /** Each host package and the other host packages its classes name. */
    static Map<String, Set<String>> packageGraph() throws IOException {
        Path classes;
        try {
            classes = Path.of(Node.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        Map<String, Set<String>> graph = new TreeMap<>();
        if (Files.isDirectory(classes)) {
            try (Stream<Path> files = Files.walk(classes)) {
                for (Path file : files.filter(p -> p.toString().endsWith(".class")).toList()) {
                    String name = classes.relativize(file).toString().replace('\\', '/');
                    try (InputStream in = Files.newInputStream(file)) {
                        add(graph, name, in);
                    }
                }
            }
        } else {
            try (java.util.jar.JarFile jar = new java.util.jar.JarFile(classes.toFile())) {
                for (var entry : java.util.Collections.list(jar.entries())) {
                    if (entry.getName().endsWith(".class")) {
                        try (InputStream in = jar.getInputStream(entry)) {
                            add(graph, entry.getName(), in);
                        }
                    }
                }
            }
        }
        return graph;
    }

    private static final Pattern HOST_CLASS = Pattern.compile("dev/llmlb/host((?:/[a-z_][a-z0-9_]*)*)/[A-Z$]");

    private static void add(Map<String, Set<String>> graph, String classFile, InputStream in) throws IOException {
        if (!classFile.startsWith("dev/llmlb/host/") || classFile.endsWith("module-info.class")) {
            return;
        }
        String from = classFile.substring(0, classFile.lastIndexOf('/')).replace('/', '.');
        Set<String> to = graph.computeIfAbsent(from, k -> new TreeSet<>());
        for (String text : utf8Constants(in)) {
            Matcher m = HOST_CLASS.matcher(text);
            while (m.find()) {
                String target = HOST + m.group(1).replace('/', '.');
                if (!target.equals(from)) {
                    to.add(target);
                }
            }
        }
    }

    /** The UTF-8 entries of a class file's constant pool: class names, descriptors and signatures among them. */
    private static List<String> utf8Constants(InputStream raw) throws IOException {
        DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(raw));
        if (in.readInt() != 0xCAFEBABE) {
            throw new IOException("not a class file");
        }
        in.readUnsignedShort();
        in.readUnsignedShort();
        int count = in.readUnsignedShort();
        List<String> texts = new ArrayList<>();
        for (int i = 1; i < count; i++) {
            int tag = in.readUnsignedByte();
            switch (tag) {
                case 1 -> texts.add(in.readUTF());
                case 7, 8, 16, 19, 20 -> in.skipNBytes(2);
                case 15 -> in.skipNBytes(3);
                case 3, 4, 9, 10, 11, 12, 17, 18 -> in.skipNBytes(4);
                case 5, 6 -> {
                    in.skipNBytes(8);
                    i++;
                }
                default -> throw new IOException("unknown constant pool tag " + tag);
            }
        }
        return texts;
    }
}
