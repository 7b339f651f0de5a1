#!/usr/bin/env bash
# Single-stream greedy tokens/s of engine-djl against engine-llamacpp on the same generated ~100M-parameter F32
# model (TinyLlamaConfig.benchmark(): GGUF for llama.cpp, safetensors for DJL), same prompt, 128 tokens, same
# threads, in one JVM, 5 runs each, alternated between the engines. For the benchmark only, both plugins' classes
# share one class path; in the node each plugin has its own layer and neither depends on the other.
#
# Usage: bench/djl-vs-llamacpp.sh [threads] [tokens]   (defaults: all processors, 128)
# Needs JDK 21+ (JAVA_HOME) and Maven. The models (about 400 MB each) are written once to engine-djl/target/bench.
set -euo pipefail

root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
threads="${1:-$(nproc)}"
tokens="${2:-128}"
cd "$root"
source scripts/jdk.sh

# Compiles both engines and writes each module's test class path (its libraries, the reactor's modules as
# target/classes) to target/bench.classpath.
mvn -B -q -DskipTests -pl engine-djl,engine-llamacpp -am test-compile dependency:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile=target/bench.classpath

classpath="engine-djl/target/test-classes:engine-djl/target/classes:engine-llamacpp/target/classes"
classpath="$classpath:$(cat engine-djl/target/bench.classpath):$(cat engine-llamacpp/target/bench.classpath)"

java="$JAVA_HOME/bin/java"
exec "$java" -Xmx3g --enable-native-access=ALL-UNNAMED \
  -Djava.util.logging.config.file="$root/conf/logging-test.properties" \
  -cp "$classpath" dev.llmlb.engine.djl.DjlBench "$root/engine-djl/target/bench" "$threads" "$tokens"
