/** {@code llmlb-node demo}: the node against a built-in hub of tiny generated models, offline. */
module dev.llmlb.demo {
    requires dev.llmlb.host;
    requires dev.llmlb.testkit;
}
