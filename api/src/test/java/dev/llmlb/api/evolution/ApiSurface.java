package dev.llmlb.api.evolution;

import java.io.IOException;
import java.lang.module.ModuleDescriptor;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.Member;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The public surface of a module, one line per type and per public or protected member, in a form a person can
 * review in a diff: {@code <type> | <kind> | <declaration>}. Declarations are Java's generic strings (modifiers,
 * {@code default} and {@code abstract} included, generic types, {@code throws}), type lines add what a type extends,
 * implements and permits, and constants add their value, since javac copies a constant into the plugins that use
 * it.
 */
final class ApiSurface {

    static final String TYPE = "type";
    static final String METHOD = "method";
    static final String ENUM_CONSTANT = "enum constant";

    private ApiSurface() {
    }

    /** The surface of the exported packages of {@code module}, whose classes are in {@code classes}. */
    static Set<String> of(Module module, Path classes) throws IOException {
        ModuleDescriptor descriptor = module.getDescriptor();
        Set<String> exported = descriptor.exports().stream().filter(e -> !e.isQualified())
                .map(ModuleDescriptor.Exports::source).collect(Collectors.toSet());
        Set<String> lines = new TreeSet<>();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(classes)) {
            files = walk.filter(p -> p.toString().endsWith(".class")).toList();
        }
        for (Path file : files) {
            String name = classes.relativize(file).toString().replace('\\', '/');
            name = name.substring(0, name.length() - ".class".length()).replace('/', '.');
            int dot = name.lastIndexOf('.');
            if (name.endsWith("module-info") || dot < 0 || !exported.contains(name.substring(0, dot))) {
                continue;
            }
            Class<?> type;
            try {
                type = Class.forName(name, false, module.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new IOException(e);
            }
            if (visible(type)) {
                lines.addAll(linesOf(type));
            }
        }
        return lines;
    }

    /** Public, or protected inside an extendable type, all the way out; never anonymous or local. */
    private static boolean visible(Class<?> type) {
        if (type.isAnonymousClass() || type.isLocalClass() || type.isSynthetic()) {
            return false;
        }
        for (Class<?> t = type; t != null; t = t.getDeclaringClass()) {
            int m = t.getModifiers();
            boolean protectedInExtendable = Modifier.isProtected(m) && t.getDeclaringClass() != null
                    && !Modifier.isFinal(t.getDeclaringClass().getModifiers());
            if (!Modifier.isPublic(m) && !protectedInExtendable) {
                return false;
            }
        }
        return true;
    }

    private static List<String> linesOf(Class<?> type) {
        List<String> lines = new ArrayList<>();
        String name = type.getName();
        StringBuilder head = new StringBuilder(header(type));
        if (type.getGenericSuperclass() != null && type.getSuperclass() != Object.class
                && type.getSuperclass() != Record.class && type.getSuperclass() != Enum.class) {
            head.append(" extends ").append(type.getGenericSuperclass().getTypeName());
        }
        Type[] interfaces = type.getGenericInterfaces();
        if (interfaces.length > 0) {
            head.append(type.isInterface() ? " extends " : " implements ").append(Arrays.stream(interfaces)
                    .map(Type::getTypeName).sorted().collect(Collectors.joining(", ")));
        }
        if (type.isSealed()) {
            head.append(" permits ").append(Arrays.stream(type.getPermittedSubclasses()).map(Class::getName)
                    .sorted().collect(Collectors.joining(", ")));
        }
        lines.add(name + " | " + TYPE + " | " + head);
        boolean extendable = !Modifier.isFinal(type.getModifiers());
        for (Constructor<?> c : type.getDeclaredConstructors()) {
            if (exposed(c, extendable)) {
                lines.add(name + " | constructor | " + c.toGenericString());
            }
        }
        for (Method m : type.getDeclaredMethods()) {
            if (exposed(m, extendable) && !m.isBridge()) {
                lines.add(name + " | " + METHOD + " | " + m.toGenericString());
            }
        }
        for (Field f : type.getDeclaredFields()) {
            if (f.isEnumConstant()) {
                lines.add(name + " | " + ENUM_CONSTANT + " | " + f.getName());
            } else if (exposed(f, extendable)) {
                lines.add(name + " | field | " + f.toGenericString() + constantValue(f));
            }
        }
        return lines;
    }

    /**
     * Modifiers, kind, name and type parameters, written out here rather than by {@link Class#toGenericString}, whose
     * wording has changed between JDK releases (a baseline must read the same on every JDK 21+).
     */
    private static String header(Class<?> type) {
        int modifiers = type.getModifiers() & (type.isInterface() ? Modifier.interfaceModifiers()
                : Modifier.classModifiers());
        if (type.isInterface() || type.isEnum() || type.isRecord()) {
            modifiers &= ~(Modifier.ABSTRACT | Modifier.FINAL | (type.getDeclaringClass() != null ? Modifier.STATIC
                    : 0));
        }
        String kind = type.isAnnotation() ? "@interface" : type.isInterface() ? "interface" : type.isEnum() ? "enum"
                : type.isRecord() ? "record" : "class";
        StringBuilder text = new StringBuilder(Modifier.toString(modifiers));
        if (type.isSealed()) {
            text.append(" sealed");
        }
        text.append(' ').append(kind).append(' ').append(type.getName());
        if (type.getTypeParameters().length > 0) {
            text.append(Arrays.stream(type.getTypeParameters()).map(ApiSurface::typeParameter)
                    .collect(Collectors.joining(",", "<", ">")));
        }
        return text.toString().strip();
    }

    private static String typeParameter(java.lang.reflect.TypeVariable<?> variable) {
        Type[] bounds = variable.getBounds();
        if (bounds.length == 1 && bounds[0] == Object.class) {
            return variable.getName();
        }
        return variable.getName() + " extends " + Arrays.stream(bounds).map(Type::getTypeName)
                .collect(Collectors.joining(" & "));
    }

    private static boolean exposed(Member member, boolean extendable) {
        int m = member.getModifiers();
        boolean synthetic = member instanceof Executable e ? e.isSynthetic() : ((Field) member).isSynthetic();
        return !synthetic && (Modifier.isPublic(m) || (Modifier.isProtected(m) && extendable));
    }

    /** {@code = value} for a constant javac inlines into its users (static final, primitive or String). */
    private static String constantValue(Field f) {
        int m = f.getModifiers();
        if (!Modifier.isStatic(m) || !Modifier.isFinal(m) || !(f.getType().isPrimitive()
                || f.getType() == String.class)) {
            return "";
        }
        try {
            Object value = f.get(null);
            return " = " + (value instanceof String s ? '"' + s.replace("\\", "\\\\").replace("\"", "\\\"")
                    .replace("\n", "\\n") + '"' : String.valueOf(value));
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("cannot read " + f, e);
        }
    }
}
