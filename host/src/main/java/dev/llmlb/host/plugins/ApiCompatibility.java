package dev.llmlb.host.plugins;

import dev.llmlb.api.PluginContext;

import java.lang.module.ModuleDescriptor;
import java.util.Collection;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Whether a plugin built against one version of the api may run on this node's api.
 *
 * <p>The version a plugin states is the one javac recorded in its module descriptor: compiling
 * {@code requires dev.llmlb.api} against an api jar writes that jar's module version into the plugin's
 * {@code module-info.class} ({@link ModuleDescriptor.Requires#compiledVersion()}). So it is the api the plugin was
 * really compiled against, whatever build tool made it, and the plugin author writes nothing for it.
 *
 * <p>The rule (docs/plugins.md): a plugin runs when it was built for the node's major version and a minor version
 * no newer than the node's. A minor version only adds to the api, so an older plugin finds everything it was
 * compiled against; a newer one may call what this node lacks, and another major version may have removed or
 * changed anything. A plugin that states no version (an automatic module, or one compiled against an api jar
 * without a module version) is refused too: nothing says what it links against.
 */
final class ApiCompatibility {

    static final String API_MODULE = "dev.llmlb.api";
    private static final Pattern MAJOR_MINOR = Pattern.compile("(\\d+)\\.(\\d+)(?:\\.\\d+)?(?:[-+].*)?");

    private final Optional<String> nodeVersion;

    private ApiCompatibility(Optional<String> nodeVersion) {
        this.nodeVersion = nodeVersion;
    }

    /** The rule for this node's api, read from the api module's own descriptor. */
    static ApiCompatibility ofThisNode() {
        return forNodeVersion(Optional.ofNullable(PluginContext.class.getModule().getDescriptor())
                .flatMap(ModuleDescriptor::rawVersion));
    }

    /** The rule for a node whose api has this version; empty when it has none (checks are then skipped). */
    static ApiCompatibility forNodeVersion(Optional<String> version) {
        return new ApiCompatibility(version.filter(v -> MAJOR_MINOR.matcher(v).matches()));
    }

    /** This node's api version, when it has one. */
    Optional<String> nodeVersion() {
        return nodeVersion;
    }

    /** The api version a module was compiled against: the version it records for {@code requires dev.llmlb.api}. */
    static Optional<String> builtAgainst(ModuleDescriptor module) {
        return module.requires().stream().filter(r -> r.name().equals(API_MODULE)).findFirst()
                .flatMap(ModuleDescriptor.Requires::rawCompiledVersion);
    }

    /**
     * Why the plugins among {@code modules} (those that provide a source or an engine) may not run here, or any
     * other module of theirs compiled against an incompatible api; empty when they may.
     */
    Optional<String> refusal(Collection<ModuleDescriptor> modules, Collection<String> services) {
        for (ModuleDescriptor module : modules) {
            boolean provider = module.provides().stream().anyMatch(p -> services.contains(p.service()));
            Optional<String> version = builtAgainst(module);
            if (provider || version.isPresent()) {
                Optional<String> reason = refusal(module);
                if (reason.isPresent()) {
                    return reason;
                }
            }
        }
        return Optional.empty();
    }

    /** Why this plugin module may not run here; empty when it may. */
    Optional<String> refusal(ModuleDescriptor module) {
        if (nodeVersion.isEmpty()) {
            return Optional.empty();
        }
        String node = nodeVersion.get();
        String name = module.name();
        Optional<String> stated = builtAgainst(module);
        if (stated.isEmpty()) {
            String why = module.isAutomatic()
                    ? "it is a jar without module-info.class (an automatic module)"
                    : module.requires().stream().anyMatch(r -> r.name().equals(API_MODULE))
                    ? "its module-info.class records no version for dev.llmlb.api (compiled against an api jar "
                    + "without a module version)"
                    : "its module-info.java does not require dev.llmlb.api";
            return Optional.of("plugin module " + name + " states no api version: " + why + "; build it as a "
                    + "named module requiring dev.llmlb.api against llmlb-api " + major(node) + ".x");
        }
        String plugin = stated.get();
        Matcher p = MAJOR_MINOR.matcher(plugin);
        if (!p.matches()) {
            return Optional.of("plugin module " + name + " was built for api '" + plugin
                    + "', which is not a MAJOR.MINOR.PATCH version");
        }
        int pluginMajor = Integer.parseInt(p.group(1));
        int pluginMinor = Integer.parseInt(p.group(2));
        if (pluginMajor != major(node)) {
            return Optional.of("plugin module " + name + " was built for api " + plugin + ", but this node's api is "
                    + node + " and another major version is incompatible; use a build of the plugin for api "
                    + major(node) + ".x");
        }
        if (pluginMinor > minor(node)) {
            return Optional.of("plugin module " + name + " was built for api " + plugin + ", newer than this node's "
                    + "api " + node + ", and may use what this node lacks; upgrade the node, or use a build of the "
                    + "plugin for api " + major(node) + "." + minor(node));
        }
        return Optional.empty();
    }

    private static int major(String version) {
        Matcher m = MAJOR_MINOR.matcher(version);
        return m.matches() ? Integer.parseInt(m.group(1)) : -1;
    }

    private static int minor(String version) {
        Matcher m = MAJOR_MINOR.matcher(version);
        return m.matches() ? Integer.parseInt(m.group(2)) : -1;
    }
}
