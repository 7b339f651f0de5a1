#!/usr/bin/env bash
# Greedy generation speed of engine-onnx against engine-llamacpp on the same generated model
# (TinyLlamaConfig.benchmark(): ~76M parameters, F32), same prompt and threads, runs alternated.
# Prints time to first token and decode tokens/s (medians) for each, and the ratio onnx/llama.cpp.
# Usage: bench/onnx-vs-llamacpp.sh [--model benchmark|tiny] [--tokens 128] [--runs 3] [--threads N] [--spin true|false]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/jdk.sh

mvn -B -q -DskipTests -pl engine-onnx -am test-compile dependency:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile=target/bench.classpath
CP="engine-onnx/target/test-classes:engine-onnx/target/classes:$(cat engine-onnx/target/bench.classpath)"
# llama.cpp writes its own timings to stderr: keep them in a log, shown only when the run fails.
LOG="$(mktemp /tmp/llmlb-onnx-bench-XXXXXX.log)"
# The class path goes through the environment: ONNX Runtime 1.29 crashes (SIGSEGV while creating its environment)
# when the process's command line is longer than about 4 KB, and this class path alone is longer.
if CLASSPATH="$CP" "$JAVA_HOME/bin/java" -Xmx4g --enable-native-access=ALL-UNNAMED \
    -Djava.util.logging.config.file=conf/logging-test.properties \
    dev.llmlb.engine.onnx.OnnxVsLlamaCppBenchmark "$@" 2> "$LOG"; then
  rm -f "$LOG"
else
  status=$?
  tail -40 "$LOG" >&2
  echo "benchmark failed (exit $status); full log: $LOG" >&2
  exit "$status"
fi
