/**
 * The plugin TCK: the contract tests a source or engine plugin extends in its JUnit 5 tests, and the
 * {@link dev.llmlb.api.PluginContext} they run with. Its package keeps the name it had inside the testkit.
 */
module dev.llmlb.testkit.tck {
    requires transitive dev.llmlb.testkit;
    requires transitive org.junit.jupiter.api;

    exports dev.llmlb.testkit.tck;
}
