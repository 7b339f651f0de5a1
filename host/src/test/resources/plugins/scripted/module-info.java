/**
 * A test plugin pair for host tests: a source that fetches the listed artifacts from the hub as they are, and an
 * engine that "generates" the text of its model file one character per token. Deterministic, instant, and
 * controllable through settings, so the host's HTTP, queueing and lifecycle behaviour can be tested exactly.
 */
module test.scripted {
    requires dev.llmlb.api;
    provides dev.llmlb.api.source.ModelSourceFactory with test.scripted.FilesSourceFactory;
    provides dev.llmlb.api.engine.InferenceEngineFactory with test.scripted.ScriptedEngineFactory;
}
