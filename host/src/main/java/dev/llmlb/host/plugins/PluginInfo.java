package dev.llmlb.host.plugins;

import java.util.Set;

/**
 * One registered source or engine, for logs, {@code llmlb-node plugins} and the API.
 *
 * @param kind     {@code source} or {@code engine}
 * @param name     the source value or engine name
 * @param formats  the formats an engine runs; empty for a source
 * @param module   the Java module that provides it
 * @param location where it was found: {@code module path} or the plugin folder
 */
public record PluginInfo(String kind, String name, Set<String> formats, String module, String location) {

    public PluginInfo {
        formats = Set.copyOf(formats);
    }
}
