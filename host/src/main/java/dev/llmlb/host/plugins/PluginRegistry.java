package dev.llmlb.host.plugins;

import dev.llmlb.api.PluginContext;
import dev.llmlb.api.engine.InferenceEngine;
import dev.llmlb.api.engine.InferenceEngineFactory;
import dev.llmlb.api.source.ModelSource;
import dev.llmlb.api.source.ModelSourceFactory;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * The sources and engines this node found: first on the module path, then one isolated layer per subfolder of the
 * plugin folder. A plugin that fails is recorded with its folder and reason and the node goes on without it; so is
 * one built for an api this node cannot offer ({@link ApiCompatibility}), before any of its classes load.
 */
public final class PluginRegistry implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(PluginRegistry.class.getName());
    static final String MODULE_PATH = "module path";

    private static final Set<String> SERVICES = Set.of(ModelSourceFactory.class.getName(),
            InferenceEngineFactory.class.getName());

    private final ApiCompatibility compatibility;
    private final Map<String, Registered<ModelSource>> sources = new LinkedHashMap<>();
    private final Map<String, Registered<InferenceEngine>> engines = new LinkedHashMap<>();
    private final List<PluginFailure> failures = new ArrayList<>();

    private record Registered<T>(T plugin, PluginInfo info) {
    }

    private PluginRegistry(ApiCompatibility compatibility) {
        this.compatibility = compatibility;
    }

    /**
     * Finds and creates every plugin.
     *
     * @param pluginsDir the plugin folder, when there is one
     */
    public static PluginRegistry load(Optional<Path> pluginsDir, PluginContext context) {
        return load(pluginsDir, context, ApiCompatibility.ofThisNode());
    }

    static PluginRegistry load(Optional<Path> pluginsDir, PluginContext context, ApiCompatibility compatibility) {
        PluginRegistry registry = new PluginRegistry(compatibility);
        compatibility.nodeVersion().ifPresentOrElse(
                v -> LOG.log(Level.INFO, "Plugin api {0}: plugins built for api {1}.0 to {0} load", v,
                        v.substring(0, v.indexOf('.'))),
                () -> LOG.log(Level.WARNING, "The api module has no version (is it on the class path?): "
                        + "plugins are loaded without checking which api they were built for"));
        ModuleLayer hostLayer = Optional.ofNullable(PluginRegistry.class.getModule().getLayer())
                .orElse(ModuleLayer.boot());
        registry.register(ServiceLoader.load(ModelSourceFactory.class, PluginRegistry.class.getClassLoader()),
                ServiceLoader.load(InferenceEngineFactory.class, PluginRegistry.class.getClassLoader()),
                p -> true, MODULE_PATH, context);
        pluginsDir.ifPresent(dir -> registry.loadFolder(dir, hostLayer, context));
        return registry;
    }

    private void loadFolder(Path dir, ModuleLayer hostLayer, PluginContext context) {
        if (!Files.isDirectory(dir)) {
            LOG.log(Level.INFO, "Plugin folder {0} does not exist; only plugins on the module path are used", dir);
            return;
        }
        List<Path> folders;
        try (Stream<Path> list = Files.list(dir)) {
            folders = list.filter(Files::isDirectory).sorted().toList();
        } catch (IOException e) {
            failures.add(new PluginFailure(dir.toString(), "cannot list the plugin folder: " + e.getMessage()));
            LOG.log(Level.ERROR, "Cannot list the plugin folder {0}: {1}", dir, e.getMessage());
            return;
        }
        for (Path folder : folders) {
            try {
                Optional<String> refusal = compatibility.refusal(PluginLayers.descriptors(folder), SERVICES);
                if (refusal.isPresent()) {
                    fail(folder.toString(), refusal.get());
                    continue;
                }
                ModuleLayer layer = PluginLayers.define(folder, hostLayer);
                int before = sources.size() + engines.size();
                register(ServiceLoader.load(layer, ModelSourceFactory.class),
                        ServiceLoader.load(layer, InferenceEngineFactory.class),
                        type -> type.getModule().getLayer() == layer, folder.toString(), context);
                if (sources.size() + engines.size() == before && failures.stream()
                        .noneMatch(f -> f.location().equals(folder.toString()))) {
                    fail(folder.toString(), "provides no dev.llmlb.api.source.ModelSourceFactory or "
                            + "dev.llmlb.api.engine.InferenceEngineFactory");
                }
            } catch (IOException | RuntimeException | LinkageError e) {
                fail(folder.toString(), describe(e));
            }
        }
    }

    private void register(ServiceLoader<ModelSourceFactory> sourceLoader,
                          ServiceLoader<InferenceEngineFactory> engineLoader,
                          Predicate<Class<?>> ownLayer, String location, PluginContext context) {
        sourceLoader.stream().filter(p -> ownLayer.test(p.type())).forEach(provider -> {
            try {
                if (refused(provider.type(), location)) {
                    return;
                }
                ModelSourceFactory factory = provider.get();
                PluginInfo info = new PluginInfo("source", factory.name(), Set.of(),
                        moduleName(provider.type()), location, builtAgainst(provider.type()));
                Registered<ModelSource> earlier = sources.get(factory.name());
                if (earlier != null) {
                    fail(location, "source '" + factory.name() + "' is already provided by "
                            + earlier.info().location() + "; this one is ignored");
                    return;
                }
                sources.put(factory.name(), new Registered<>(factory.create(context), info));
                LOG.log(Level.INFO, "Registered source {0} ({1}, from {2})", info.name(), info.module(), location);
            } catch (RuntimeException | ServiceConfigurationError | LinkageError e) {
                fail(location, describe(e));
            }
        });
        engineLoader.stream().filter(p -> ownLayer.test(p.type())).forEach(provider -> {
            try {
                if (refused(provider.type(), location)) {
                    return;
                }
                InferenceEngineFactory factory = provider.get();
                PluginInfo info = new PluginInfo("engine", factory.name(), factory.formats(),
                        moduleName(provider.type()), location, builtAgainst(provider.type()));
                Registered<InferenceEngine> earlier = engines.get(factory.name());
                if (earlier != null) {
                    fail(location, "engine '" + factory.name() + "' is already provided by "
                            + earlier.info().location() + "; this one is ignored");
                    return;
                }
                engines.put(factory.name(), new Registered<>(factory.create(context), info));
                LOG.log(Level.INFO, "Registered engine {0} for {1} ({2}, from {3})", info.name(), info.formats(),
                        info.module(), location);
            } catch (RuntimeException | ServiceConfigurationError | LinkageError e) {
                fail(location, describe(e));
            }
        });
    }

    /**
     * Checks the api version of a provider before it is created. A folder's modules were checked before their layer
     * was defined; this catches plugins on the module path, and anything on the class path, which states none.
     */
    private boolean refused(Class<?> provider, String location) {
        Module module = provider.getModule();
        Optional<String> reason = module.isNamed()
                ? compatibility.refusal(module.getDescriptor())
                : compatibility.nodeVersion().map(v -> "the provider " + provider.getName() + " is on the class "
                + "path and states no api version; put the plugin in a folder under plugins/ as a named module");
        reason.ifPresent(r -> fail(location, r));
        return reason.isPresent();
    }

    private static String builtAgainst(Class<?> provider) {
        Module module = provider.getModule();
        return module.isNamed() ? ApiCompatibility.builtAgainst(module.getDescriptor()).orElse(null) : null;
    }

    private static String moduleName(Class<?> type) {
        Module module = type.getModule();
        return module.isNamed() ? module.getName() : "unnamed module";
    }

    private static String describe(Throwable e) {
        Throwable root = e;
        StringBuilder text = new StringBuilder(e.getClass().getSimpleName() + ": " + e.getMessage());
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
            text.append(" (caused by ").append(root.getClass().getSimpleName()).append(": ")
                    .append(root.getMessage()).append(')');
        }
        return text.toString();
    }

    private void fail(String location, String reason) {
        failures.add(new PluginFailure(location, reason));
        LOG.log(Level.ERROR, "Plugin in {0} not loaded: {1}", location, reason);
    }

    /** The source registered under {@code name}. */
    public Optional<ModelSource> source(String name) {
        return Optional.ofNullable(sources.get(name)).map(Registered::plugin);
    }

    /** The engines that run {@code format}, in registration order. */
    public List<InferenceEngine> engines(String format) {
        return engines.values().stream().filter(r -> r.info().formats().contains(format))
                .map(Registered::plugin).toList();
    }

    /** Every registered source and engine. */
    public List<PluginInfo> plugins() {
        return Stream.concat(sources.values().stream(), engines.values().stream()).map(Registered::info).toList();
    }

    /** What {@code GET /v0/plugins} and {@code llmlb-node plugins} show. */
    public PluginReport report() {
        return new PluginReport(compatibility.nodeVersion().orElse(null), plugins(), failures());
    }

    /** Plugins that were found but not registered. */
    public List<PluginFailure> failures() {
        return List.copyOf(failures);
    }

    /** The name of the engine, for logs and status. */
    public String engineName(InferenceEngine engine) {
        return engines.values().stream().filter(r -> r.plugin() == engine).map(r -> r.info().name())
                .findFirst().orElse("unknown");
    }

    @Override
    public void close() {
        for (Registered<InferenceEngine> engine : engines.values()) {
            try {
                engine.plugin().close();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "Engine {0} failed to close: {1}", engine.info().name(), e.getMessage());
            }
        }
    }
}
