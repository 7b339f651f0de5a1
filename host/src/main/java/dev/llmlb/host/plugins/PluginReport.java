package dev.llmlb.host.plugins;

import java.util.List;

/**
 * The plugins a node found, as {@code GET /v0/plugins} and {@code llmlb-node plugins --json} show them.
 *
 * @param apiVersion this node's api version (the plugins' {@code api_version} must share its major version and
 *                   be no newer); null when the api module has none
 * @param plugins    the registered sources and engines
 * @param failures   the plugins that were found and not registered, each with its reason
 */
public record PluginReport(String apiVersion, List<PluginInfo> plugins, List<PluginFailure> failures) {

    public PluginReport {
        plugins = List.copyOf(plugins);
        failures = List.copyOf(failures);
    }
}
