package dev.llmlb.host.plugins;

import java.util.Collections;
import java.util.Set;
import java.util.TreeSet;

/**
 * One registered source or engine, for logs, {@code llmlb-node plugins} and the API.
 *
 * @param kind       {@code source} or {@code engine}
 * @param name       the source value or engine name
 * @param formats    the formats an engine runs, sorted; empty for a source
 * @param module     the Java module that provides it
 * @param location   where it was found: {@code module path} or the plugin folder
 * @param apiVersion the api version the plugin was compiled against; null when the node does not know
 */
public record PluginInfo(String kind, String name, Set<String> formats, String module, String location,
                         String apiVersion) {

    public PluginInfo {
        formats = Collections.unmodifiableSortedSet(new TreeSet<>(formats));
    }
}
