package dev.llmlb.host.plugins;

/**
 * A plugin that was not registered, and why.
 *
 * @param location the plugin folder (or {@code module path})
 * @param reason   what went wrong, for the operator
 */
public record PluginFailure(String location, String reason) {
}
